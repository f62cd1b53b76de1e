import ArgumentParser
import MySQLSource

/// Where the password of a MySQL database that a command writes to comes from
/// (`generate --to mysql://`, `workload --to mysql://`). As for the source
/// options, the password never appears on the command line.
struct MySQLPasswordOptions: ParsableArguments {
    @Option(name: .long, help: "The environment variable holding the MySQL password (default BILLMIG_MYSQL_PASSWORD).")
    var passwordEnv: String?

    @Option(name: .long, help: "A file whose first line is the MySQL password (wins over --password-env).")
    var passwordFile: String?

    /// The connection settings for `url`; `flag` names the option in messages.
    func configuration(url: String, flag: String) throws -> MySQLConnectionConfiguration {
        try MySQLSourceOptions.connection(url: url, passwordEnv: passwordEnv, passwordFile: passwordFile, flag: flag)
    }
}
