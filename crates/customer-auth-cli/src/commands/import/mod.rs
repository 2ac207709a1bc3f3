//! `import FILE`: customers from another system, with the password hashes it stored, from a
//! JSON-lines or CSV file. Lines are checked by the web form's rules and the hash by what
//! customer-auth can verify; good ones are inserted in batches, refused ones listed with their
//! line number and why. A customer already in the store (same username and email address) is
//! skipped, so a second run adds nothing and an interrupted one can simply run again.

mod reader;
mod record;

use std::fs::File;
use std::io::{IsTerminal, Seek, SeekFrom};
use std::time::{Duration, Instant};

use customer_auth::{Customer, Error, Timestamp, email_key};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::Import;
use crate::error::CliError;
use crate::output;
use crate::store_url::Store;
use reader::Lines;

/// What an import did so far.
#[derive(Default)]
struct Tally {
    imported: u64,
    skipped: u64,
    refused: u64,
}

pub(super) async fn run(store: &Store, args: Import) -> Result<(), CliError> {
    let shown = args.file.display().to_string();
    let unreadable = |err: std::io::Error| CliError::ImportFile(format!("cannot read {shown}: {err}"));
    let mut file = File::open(&args.file).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    let format = match args.format {
        Some(format) => format,
        None => reader::detect(&args.file, &mut file)?,
    };
    file.seek(SeekFrom::Start(0)).map_err(unreadable)?;
    let mut lines = Lines::open(file, format)?;

    let bar = progress_bar(size, &shown);
    let started = Instant::now();
    let batch_size = usize::try_from(args.batch_size).unwrap_or(1);
    let mut batch = Batch::with_capacity(batch_size);
    let mut tally = Tally::default();
    let outcome = async {
        while let Some(line) = lines.next_line() {
            let line = line?;
            bar.set_position(line.bytes);
            match line.record.and_then(|record| record.into_customer(Timestamp::now())) {
                Ok(customer) => batch.push(line.number, customer),
                Err(why) => refuse(&bar, &mut tally, line.number, &why)?,
            }
            if batch.len() >= batch_size {
                batch.insert(store, &bar, &mut tally).await?;
            }
        }
        batch.insert(store, &bar, &mut tally).await
    }
    .await;
    bar.finish_and_clear();
    let took = started.elapsed();
    let outcome_name = match &outcome {
        Ok(()) if tally.refused == 0 => "success",
        Ok(()) => "partly_refused",
        Err(_) => "stopped",
    };
    // One event for the whole import: a line per customer would bury the trail under the file.
    tracing::info!(
        target: "customer_auth::audit",
        action = "import",
        imported = tally.imported,
        skipped = tally.skipped,
        refused = tally.refused,
        via = "cli",
        outcome = outcome_name,
        "admin change"
    );
    outcome?;
    output::line(&summary(&tally, &shown, &store.place, took))?;
    if tally.refused > 0 {
        return Err(CliError::ImportRefused { refused: tally.refused, file: shown });
    }
    Ok(())
}

/// Lists a refused line on stdout, above the progress bar.
fn refuse(bar: &ProgressBar, tally: &mut Tally, number: u64, why: &str) -> Result<(), CliError> {
    tally.refused += 1;
    bar.suspend(|| output::line(&format!("line {number}: {why}")))
}

/// Customers waiting to go in, with the lines they came from.
struct Batch {
    numbers: Vec<u64>,
    customers: Vec<Customer>,
}

impl Batch {
    fn with_capacity(size: usize) -> Self {
        Self { numbers: Vec::with_capacity(size), customers: Vec::with_capacity(size) }
    }

    fn len(&self) -> usize {
        self.customers.len()
    }

    fn push(&mut self, number: u64, customer: Customer) {
        self.numbers.push(number);
        self.customers.push(customer);
    }

    /// Inserts the batch and empties it. A customer already there is skipped; a username or
    /// email address that another customer holds is refused; any other failure stops the
    /// import, saying how far it got.
    async fn insert(&mut self, store: &Store, bar: &ProgressBar, tally: &mut Tally) -> Result<(), CliError> {
        if self.customers.is_empty() {
            return Ok(());
        }
        let outcomes = store.customers.create_customers(&self.customers).await;
        if outcomes.len() != self.customers.len() {
            return Err(CliError::Store(format!(
                "the store answered for {} of {} customers; nothing past line {} is known to be in",
                outcomes.len(),
                self.customers.len(),
                self.numbers.first().copied().unwrap_or_default()
            )));
        }
        for ((number, customer), outcome) in self.numbers.iter().zip(&self.customers).zip(outcomes) {
            match outcome {
                Ok(()) => tally.imported += 1,
                Err(err @ (Error::DuplicateUsername | Error::DuplicateEmail)) => {
                    let holder = store.customers.find_customer_by_username(&customer.username).await;
                    let holder = holder.map_err(|err| stopped(*number, tally, err))?;
                    if holder.is_some_and(|holder| email_key(&holder.email) == customer.email_key()) {
                        tally.skipped += 1;
                    } else if matches!(err, Error::DuplicateUsername) {
                        refuse(bar, tally, *number, "username: another customer in the store has this username")?;
                    } else {
                        refuse(bar, tally, *number, "email: another customer in the store has this email address")?;
                    }
                }
                Err(err) => return Err(stopped(*number, tally, err)),
            }
        }
        self.numbers.clear();
        self.customers.clear();
        Ok(())
    }
}

/// The error that stops an import at line `number`, saying what is in already.
fn stopped(number: u64, tally: &Tally, err: Error) -> CliError {
    let cause = CliError::from(err);
    let detail = format!(
        "the import stopped at line {number} ({} imported, {} skipped, {} refused before it; run it again to go on): {cause}",
        tally.imported, tally.skipped, tally.refused
    );
    match cause {
        CliError::Unreachable(_) => CliError::Unreachable(detail),
        CliError::NotMigrated => CliError::NotMigrated,
        _ => CliError::Store(detail),
    }
}

fn summary(tally: &Tally, file: &str, place: &str, took: Duration) -> String {
    let lines = tally.imported + tally.skipped + tally.refused;
    let seconds = took.as_secs_f64().max(0.001);
    format!(
        "Imported {} from {file} into {place} in {seconds:.1} s ({:.0} lines a second); skipped {} already there; refused {}.",
        count(tally.imported, "customer"),
        lines as f64 / seconds,
        tally.skipped,
        count(tally.refused, "line"),
    )
}

fn count(n: u64, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// A bar over the file's bytes, for a person watching; a script or a pipe sees nothing of it.
fn progress_bar(size: u64, file: &str) -> ProgressBar {
    let target =
        if std::io::stdout().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
    let bar = ProgressBar::with_draw_target(Some(size), target);
    if let Ok(style) = ProgressStyle::with_template("Importing {msg} [{bar:30}] {bytes}/{total_bytes} ({eta} left)") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(file.to_owned());
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_in_words() {
        let tally = Tally { imported: 1, skipped: 2, refused: 0 };
        let text = summary(&tally, "in.csv", "the SQLite database x.db", Duration::from_secs(2));
        assert_eq!(
            text,
            "Imported 1 customer from in.csv into the SQLite database x.db in 2.0 s (2 lines a second); skipped 2 already there; refused 0 lines."
        );
    }
}
