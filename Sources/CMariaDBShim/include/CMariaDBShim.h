#ifndef BILLMIG_CMARIADB_SHIM_H
#define BILLMIG_CMARIADB_SHIM_H

// Swift cannot call C variadic functions (mariadb_rpl_optionsv) or
// function-like macros (mariadb_rpl_init); these fixed-signature wrappers can.

#include <stddef.h>
#include <stdint.h>
#include <mysql.h>
#include <mariadb_rpl.h>

/// mariadb_rpl_init: a replication handle on a connected MYSQL.
MARIADB_RPL *billmig_rpl_init(MYSQL *mysql);

/// Binlog file name to start from; an empty name (length 0, NULL) starts from
/// the GTID position set in @slave_connect_state.
int billmig_rpl_set_filename(MARIADB_RPL *rpl, const char *name, size_t length);
int billmig_rpl_set_start_position(MARIADB_RPL *rpl, unsigned long position);
int billmig_rpl_set_server_id(MARIADB_RPL *rpl, unsigned int server_id);
int billmig_rpl_set_flags(MARIADB_RPL *rpl, unsigned int flags);
int billmig_rpl_set_verify_checksum(MARIADB_RPL *rpl, uint32_t verify);

/// The event as the server sent it, from the 19-byte common header on
/// (the leading OK byte of the network packet skipped), checksum included.
const unsigned char *billmig_rpl_event_bytes(const MARIADB_RPL_EVENT *event, size_t *length);

#endif
