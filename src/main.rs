use clap::Parser;

use nhiscan::cli::{Cli, Command};
use nhiscan::commands::{self, EXIT_ERROR};

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Scan(args) => commands::scan::main(*args),
        Command::Rules(cmd) => commands::rules::main(cmd),
        Command::Baseline(cmd) => commands::baseline::main(cmd),
        Command::Audit(args) => commands::audit::main(args),
        Command::Inventory(cmd) => commands::inventory::main(cmd),
        Command::Github(nhiscan::cli::GithubCommand::Comment(args)) => {
            commands::github::comment(args)
        }
        Command::Pipelines(args) => commands::pipelines::main(args),
        Command::Org(cmd) => commands::org::main(cmd),
    };
    let code = code.unwrap_or_else(|e| {
        // `nhiscan scan … | head`: the reader is gone; that is how pipes end, not an error.
        if broken_pipe(&e) {
            return 0;
        }
        eprintln!("nhiscan: error: {e:#}");
        EXIT_ERROR
    });
    std::process::exit(code);
}

fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
