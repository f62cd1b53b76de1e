import ArgumentParser

@main
struct Billmig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "billmig",
        abstract: "Move a telecom billing system from MySQL to one DynamoDB table with zero downtime.",
        discussion: """
            A migration runs in this order, which `migrate --plan FILE` does in one resumable \
            run: check the source (`check`), create the table (`table create`), load the full \
            snapshot, from MySQL or as AWS DMS staged it in S3 (`load`), apply the changes since \
            (`stream` from the binlog, or `apply` over DMS's change files; `worker` on a queue), \
            validate (`validate`), then switch the application (`cutover`). Follow any of it with \
            `status`; `query` runs the access patterns. \
            `generate` writes realistic sample data in the DMS layout for trying it all out.

            AWS settings follow the SDK conventions: AWS_REGION, AWS_PROFILE, \
            AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL and \
            AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_DYNAMODB), AWS_MAX_ATTEMPTS.

            Exit status: 0 success; 1 failure (a rerun resumes from checkpoints); \
            3 finished with rows in the dead-letter store; 4 validate found mismatches \
            (repair: some left unrepaired); 5 a cutover command refused or reverted; 64 bad arguments.
            """,
        subcommands: [PlanCommand.self, LoadCommand.self, ApplyCommand.self, TableCommand.self, StatusCommand.self, GenerateCommand.self, QueryCommand.self, CheckCommand.self, WorkloadCommand.self, ValidateCommand.self, RepairCommand.self, StreamCommand.self, ReverseStreamCommand.self, StageCommand.self, InfraCommand.self, ServeCommand.self, FlagsCommand.self, CutoverCommandGroup.self, NetworkCommand.self, WorkerCommand.self, MigrateCommand.self]
    )
}
