/* TEMP-TABLES: the areas not yet converted */
#include "store_api_priv.h"
const struct api_call api_reads_calls[] = {{NULL, NULL, 0}};
const struct api_call api_hotlist_calls[] = {{NULL, NULL, 0}};
