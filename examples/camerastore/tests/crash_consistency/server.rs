//! The camerastore binary as a child process that the test can `kill -9`.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How many of the server's last log lines a failure shows.
const TAIL: usize = 40;

/// A running shop. Dropping it kills the process, so a failing test leaves none behind.
pub(crate) struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub(crate) base: String,
    tail: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts the shop on `database` (an SQLite file) on a port the OS picks, and waits until it
    /// says where it listens.
    pub(crate) fn start(database: &Path, outbox: &Path) -> Self {
        let url = format!("sqlite://{}", database.display());
        let mut child = Command::new(env!("CARGO_BIN_EXE_camerastore"))
            .args(["--bind", "127.0.0.1:0", "--database-url", &url, "--bcrypt-cost", "4", "--insecure-cookies"])
            .args([
                "--email-confirmation",
                "false",
                "--attempts-per-minute",
                "1000000",
                "--mail-forms-per-minute",
                "1000000",
                "--outbox",
            ])
            .arg(outbox)
            // The start-up line is all the test reads; one line per request would only cost time.
            .env("RUST_LOG", "warn,camerastore=info,camerastore::http=warn")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the camerastore binary starts");
        let stdout = child.stdout.take().expect("the child's stdout");
        let tail = Arc::new(Mutex::new(Vec::new()));
        let (address_tx, address_rx) = mpsc::channel();
        let lines = tail.clone();
        // Drained to the end: a full pipe would stall the server's logging, and so the server.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some((_, rest)) = line.split_once("is open at http://") {
                    let address: String =
                        rest.chars().take_while(|c| c.is_ascii_alphanumeric() || ".:".contains(*c)).collect();
                    let _ = address_tx.send(address);
                }
                let mut lines = lines.lock().unwrap();
                if lines.len() == TAIL {
                    lines.remove(0);
                }
                lines.push(line);
            }
        });
        let mut server = Self { child, base: String::new(), tail };
        match address_rx.recv_timeout(Duration::from_secs(60)) {
            Ok(address) => server.base = format!("http://{address}"),
            Err(_) => panic!("the shop did not start on {}; its log:\n{}", database.display(), server.log()),
        }
        server
    }

    /// SIGKILL: no shutdown, no WAL checkpoint, no flush; what a crash or the OOM killer does.
    pub(crate) fn kill(mut self) {
        self.child.kill().expect("SIGKILL reaches the shop");
        self.child.wait().expect("the killed shop is reaped");
    }

    /// The server's last log lines, for a failure message.
    pub(crate) fn log(&self) -> String {
        self.tail.lock().unwrap().join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The database files as a crash leaves them (the main file and its WAL), copied to `into`, so
/// they can be checked without the check's own recovery changing what the next start finds.
pub(crate) fn snapshot(database: &Path, into: &Path) -> PathBuf {
    let name = database.file_name().expect("the database has a file name");
    for suffix in ["", "-wal"] {
        let mut from = database.as_os_str().to_owned();
        from.push(suffix);
        let mut to = into.join(name).into_os_string();
        to.push(suffix);
        match std::fs::copy(&from, &to) {
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !suffix.is_empty() => {
                let _ = std::fs::remove_file(&to);
            }
            Err(err) => panic!("copying {}: {err}", PathBuf::from(from).display()),
        }
    }
    into.join(name)
}
