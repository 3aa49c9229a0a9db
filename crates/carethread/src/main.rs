use clap::Parser as _;

fn main() -> std::process::ExitCode {
    let cli = carethread::cli::Cli::parse();
    match carethread::cli::run(cli) {
        Ok(code) => code,
        // Whoever read the output stopped reading (`carethread triage eval … | head`): nothing is wrong.
        Err(err) if err.chain().any(|e| e.downcast_ref::<std::io::Error>().is_some_and(is_broken_pipe)) => {
            std::process::ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(err: &std::io::Error) -> bool {
    err.kind() == std::io::ErrorKind::BrokenPipe
}
