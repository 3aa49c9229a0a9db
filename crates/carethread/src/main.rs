use clap::Parser as _;

fn main() -> std::process::ExitCode {
    let cli = carethread::cli::Cli::parse();
    match carethread::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
