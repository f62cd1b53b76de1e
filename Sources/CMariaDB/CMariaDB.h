// MariaDB Connector/C (libmariadb): the client API and the replication
// (binlog stream) API. Include path comes from `pkg-config libmariadb`.
#include <mysql.h>
#include <mariadb_rpl.h>
