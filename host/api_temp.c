/* TEMP-TABLES: the areas not yet converted */
#include "store_api_priv.h"
const struct api_call api_retention_calls[] = {{NULL, NULL, 0}};
const struct api_call api_export_calls[] = {{NULL, NULL, 0}};
const struct api_call api_audit_calls[] = {{NULL, NULL, 0}};
