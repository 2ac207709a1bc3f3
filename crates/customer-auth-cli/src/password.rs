//! Reading a new customer's password: never from an argument (it would sit in the shell's
//! history and in every process listing), but from a prompt without echo, or from a pipe.

use std::io::{BufRead, IsTerminal};

use customer_auth::{MAX_PASSWORD_BYTES, Password};

use crate::error::CliError;

/// More than any password the rules accept, so an over-long one still gets its field error,
/// while a stray file piped in by mistake is not read whole.
const MAX_LINE_BYTES: u64 = 4096;

/// The password and its confirmation, as [`Registration`](customer_auth::Registration) wants them.
pub(crate) struct NewPassword {
    /// The password.
    pub(crate) password: Password,
    /// The password typed again; the same as `password` when it came from a pipe.
    pub(crate) confirm: Password,
}

/// Prompts twice without echo when standard input is a terminal, else reads one line.
pub(crate) fn read() -> Result<NewPassword, CliError> {
    if std::io::stdin().is_terminal() { prompt() } else { read_line(std::io::stdin().lock()) }
}

fn prompt() -> Result<NewPassword, CliError> {
    let failed =
        |err: std::io::Error| CliError::Password(format!("could not read the password from the terminal: {err}"));
    let password = rpassword::prompt_password("Password: ").map_err(failed)?;
    let confirm = rpassword::prompt_password("Password (again): ").map_err(failed)?;
    // Both go to validation, which answers a mismatch with the web form's own message.
    Ok(NewPassword { password: Password::new(password), confirm: Password::new(confirm) })
}

/// Reads the first line of `input`, without its line ending; every other character counts.
fn read_line(input: impl BufRead) -> Result<NewPassword, CliError> {
    let mut line = String::new();
    let read = input.take(MAX_LINE_BYTES).read_line(&mut line);
    // Into a Password straight away, so the buffer is wiped on every path from here.
    let mut password = Password::new(line);
    if read.is_err() {
        return Err(CliError::Password(
            "could not read the password from standard input; pipe it as one line of UTF-8 text".into(),
        ));
    }
    let typed = password.expose();
    let ending = if typed.ends_with("\r\n") {
        2
    } else if typed.ends_with('\n') {
        1
    } else {
        0
    };
    if ending > 0 {
        password = Password::new(&typed[..typed.len() - ending]);
    } else if typed.len() as u64 >= MAX_LINE_BYTES {
        return Err(CliError::Password(format!(
            "the password line on standard input is too long; passwords have at most {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    if password.expose().is_empty() {
        return Err(CliError::Password(
            "no password on standard input; pipe it as one line (printf '%s\\n' \"$PASSWORD\" | customer-auth …), or run in a terminal to be prompted"
                .into(),
        ));
    }
    Ok(NewPassword { confirm: password.clone(), password })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(input: &str) -> Result<String, String> {
        read_line(input.as_bytes()).map(|new| new.password.expose().to_owned()).map_err(|err| err.to_string())
    }

    #[test]
    fn one_line_is_read_without_its_ending_but_with_its_spaces() {
        assert_eq!(read_str("  spaced out  \nsecond line\n"), Ok("  spaced out  ".to_owned()));
        assert_eq!(read_str("windows\r\n"), Ok("windows".to_owned()));
        assert_eq!(read_str("no newline"), Ok("no newline".to_owned()));
    }

    #[test]
    fn nothing_piped_says_how_to_pipe_it() {
        for input in ["", "\n"] {
            assert!(read_str(input).is_err_and(|message| message.contains("pipe it as one line")), "{input:?}");
        }
    }

    #[test]
    fn an_endless_line_is_refused() {
        let long = "x".repeat(10_000);
        assert!(read_str(&long).is_err_and(|message| message.contains("too long")));
    }
}
