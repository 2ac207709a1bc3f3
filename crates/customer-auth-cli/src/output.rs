//! Writing a command's result to stdout without `println!`, which panics when the reader has
//! gone away (`customer-auth list | head -1`).

use std::io::Write;

use crate::error::CliError;

/// Writes `text` and a newline to stdout. A closed pipe is not an error: nobody is reading.
pub(crate) fn line(text: &str) -> Result<(), CliError> {
    write(&format!("{text}\n"))
}

/// Writes `text` as it is to stdout.
pub(crate) fn write(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::Local(format!("could not write to standard output: {err}")))
        }
        _ => Ok(()),
    }
}
