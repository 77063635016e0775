#include "server/handlers/error_reply.h"

namespace sessionkit::server {

MappedError MapAndCount(Metrics& metrics, const Status& status, Site site) {
  MappedError mapped = MapStatus(status, site);
  if (mapped.error == ApiError::kStoreUnavailable) metrics.StoreError();
  return mapped;
}

void ReplyError(Metrics& metrics, const Status& status, Site site, Responder& reply) {
  reply(ErrorResponse(MapAndCount(metrics, status, site)));
}

}  // namespace sessionkit::server
