import CMariaDB
import CMariaDBShim

/// The linked MariaDB Connector/C version, e.g. `3.3.20`.
public var mariaDBClientVersion: String {
    String(cString: mysql_get_client_info())
}
