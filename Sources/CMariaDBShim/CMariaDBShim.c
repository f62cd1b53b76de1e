#include "CMariaDBShim.h"

MARIADB_RPL *billmig_rpl_init(MYSQL *mysql) {
    return mariadb_rpl_init_ex(mysql, MARIADB_RPL_VERSION);
}

int billmig_rpl_set_filename(MARIADB_RPL *rpl, const char *name, size_t length) {
    return mariadb_rpl_optionsv(rpl, MARIADB_RPL_FILENAME, name, length);
}

int billmig_rpl_set_start_position(MARIADB_RPL *rpl, unsigned long position) {
    return mariadb_rpl_optionsv(rpl, MARIADB_RPL_START, position);
}

int billmig_rpl_set_server_id(MARIADB_RPL *rpl, unsigned int server_id) {
    return mariadb_rpl_optionsv(rpl, MARIADB_RPL_SERVER_ID, server_id);
}

int billmig_rpl_set_flags(MARIADB_RPL *rpl, unsigned int flags) {
    return mariadb_rpl_optionsv(rpl, MARIADB_RPL_FLAGS, flags);
}

int billmig_rpl_set_verify_checksum(MARIADB_RPL *rpl, uint32_t verify) {
    return mariadb_rpl_optionsv(rpl, MARIADB_RPL_VERIFY_CHECKSUM, verify);
}

const unsigned char *billmig_rpl_event_bytes(const MARIADB_RPL_EVENT *event, size_t *length) {
    if (event == NULL || event->raw_data == NULL || event->raw_data_ofs > event->raw_data_size) {
        *length = 0;
        return NULL;
    }
    *length = event->raw_data_size - event->raw_data_ofs;
    return event->raw_data + event->raw_data_ofs;
}
