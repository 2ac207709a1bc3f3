//! Second factors: a TOTP authenticator kept and replaced, each TOTP step accepted once and
//! never an older one (under concurrency too), recovery codes spent exactly once (32 racing
//! for one code: one wins), and a deleted customer's factors gone with them.

use std::sync::Arc;

use tokio::task::JoinSet;

use super::{Failure, Step, ensure, fixtures, unique};
use crate::{CustomerId, CustomerStore, Error, RecoveryCodeHash, SecondFactorStore, Timestamp, TotpRecord};

type Check = Result<(), Failure>;

/// How many tries race for one step or one code.
const RACERS: usize = 32;

pub(super) async fn run(customers: &Arc<dyn CustomerStore>, factors: &Arc<dyn SecondFactorStore>) -> Check {
    a_totp_authenticator_is_kept_and_replaced(customers, factors).await?;
    each_step_is_accepted_once_and_never_an_older_one(customers, factors).await?;
    concurrent_uses_of_one_step_have_one_winner(customers, factors).await?;
    recovery_codes_are_spent_once(customers, factors).await?;
    concurrent_uses_of_one_recovery_code_have_one_winner(customers, factors).await?;
    a_deleted_customers_factors_go_with_them(customers, factors).await
}

async fn new_customer(customers: &Arc<dyn CustomerStore>, check: &'static str) -> Result<CustomerId, Failure> {
    let customer = fixtures::customer(&format!("mfa{}", unique()));
    customers.create_customer(&customer).await.step(check, "create_customer")?;
    Ok(customer.id)
}

fn record(byte: u8) -> TotpRecord {
    TotpRecord { sealed_secret: vec![byte; 61], enrolled_at: Timestamp::from_unix(1_800_000_000 + i64::from(byte)) }
}

fn codes(n: u8) -> Vec<RecoveryCodeHash> {
    let mut seed = [0u8; 32];
    let _ = getrandom::fill(&mut seed);
    (0..n)
        .map(|i| {
            let mut code = seed;
            code[0] = i;
            RecoveryCodeHash::from_bytes(code)
        })
        .collect()
}

async fn a_totp_authenticator_is_kept_and_replaced(
    customers: &Arc<dyn CustomerStore>,
    factors: &Arc<dyn SecondFactorStore>,
) -> Check {
    const CHECK: &str = "a TOTP authenticator is kept, replaced and removed";
    let id = new_customer(customers, CHECK).await?;
    let none = factors.totp(id).await.step(CHECK, "totp")?;
    ensure!(CHECK, none.is_none(), "a new customer has an authenticator");
    factors.put_totp(id, &record(1)).await.step(CHECK, "put_totp")?;
    let read = factors.totp(id).await.step(CHECK, "totp")?;
    ensure!(CHECK, read == Some(record(1)), "read back {read:?}, not what was stored");
    ensure!(CHECK, factors.use_totp_step(id, 10).await.step(CHECK, "use_totp_step")?, "the first step was refused");
    factors.put_totp(id, &record(2)).await.step(CHECK, "put_totp again")?;
    let read = factors.totp(id).await.step(CHECK, "totp")?;
    ensure!(CHECK, read == Some(record(2)), "the replacement read back as {read:?}");
    let fresh = factors.use_totp_step(id, 5).await.step(CHECK, "use_totp_step")?;
    ensure!(CHECK, fresh, "a new authenticator still refused steps up to the old one's last");
    ensure!(CHECK, factors.delete_totp(id).await.step(CHECK, "delete_totp")?, "delete_totp found nothing");
    ensure!(CHECK, !factors.delete_totp(id).await.step(CHECK, "delete_totp")?, "deleted twice");
    ensure!(CHECK, factors.totp(id).await.step(CHECK, "totp")?.is_none(), "the authenticator outlived its removal");
    let missing = factors.put_totp(CustomerId::new(), &record(3)).await;
    ensure!(CHECK, matches!(missing, Err(Error::NotFound)), "an unknown customer got an authenticator: {missing:?}");
    customers.delete_customer(id).await.step(CHECK, "delete_customer")
}

async fn each_step_is_accepted_once_and_never_an_older_one(
    customers: &Arc<dyn CustomerStore>,
    factors: &Arc<dyn SecondFactorStore>,
) -> Check {
    const CHECK: &str = "each TOTP step is accepted once, and never one before the last";
    let id = new_customer(customers, CHECK).await?;
    factors.put_totp(id, &record(4)).await.step(CHECK, "put_totp")?;
    let step = 60_000_000;
    for (step, expected, why) in [
        (step, true, "a first step"),
        (step, false, "the same step again (a replayed code)"),
        (step - 1, false, "an older step"),
        (step + 1, true, "the next step"),
    ] {
        let accepted = factors.use_totp_step(id, step).await.step(CHECK, "use_totp_step")?;
        ensure!(CHECK, accepted == expected, "{why}: accepted {accepted}");
    }
    let stranger = factors.use_totp_step(CustomerId::new(), step + 2).await.step(CHECK, "use_totp_step")?;
    ensure!(CHECK, !stranger, "a customer without an authenticator had a step accepted");
    customers.delete_customer(id).await.step(CHECK, "delete_customer")
}

async fn concurrent_uses_of_one_step_have_one_winner(
    customers: &Arc<dyn CustomerStore>,
    factors: &Arc<dyn SecondFactorStore>,
) -> Check {
    const CHECK: &str = "concurrent uses of one TOTP step have exactly one winner";
    let id = new_customer(customers, CHECK).await?;
    factors.put_totp(id, &record(5)).await.step(CHECK, "put_totp")?;
    let mut racers = JoinSet::new();
    for _ in 0..RACERS {
        let factors = factors.clone();
        racers.spawn(async move { factors.use_totp_step(id, 70_000_000).await });
    }
    let mut winners = 0;
    while let Some(joined) = racers.join_next().await {
        let accepted = joined
            .map_err(|err| Failure { check: CHECK, detail: format!("a racer panicked: {err}") })?
            .step(CHECK, "use_totp_step")?;
        winners += usize::from(accepted);
    }
    ensure!(CHECK, winners == 1, "{winners} of {RACERS} concurrent uses of one code were accepted");
    customers.delete_customer(id).await.step(CHECK, "delete_customer")
}

async fn recovery_codes_are_spent_once(
    customers: &Arc<dyn CustomerStore>,
    factors: &Arc<dyn SecondFactorStore>,
) -> Check {
    const CHECK: &str = "recovery codes are spent once and replaced as a whole";
    let (id, other) = (new_customer(customers, CHECK).await?, new_customer(customers, CHECK).await?);
    let left = factors.recovery_codes_left(id).await.step(CHECK, "recovery_codes_left")?;
    ensure!(CHECK, left == 0, "a new customer has {left} codes");
    let first = codes(10);
    factors.replace_recovery_codes(id, &first).await.step(CHECK, "replace_recovery_codes")?;
    let left = factors.recovery_codes_left(id).await.step(CHECK, "recovery_codes_left")?;
    ensure!(CHECK, left == 10, "10 codes stored, {left} left");
    let used = factors.use_recovery_code(id, &first[3]).await.step(CHECK, "use_recovery_code")?;
    ensure!(CHECK, used == Some(9), "spending one of 10 answered {used:?}, not Some(9)");
    let again = factors.use_recovery_code(id, &first[3]).await.step(CHECK, "use_recovery_code")?;
    ensure!(CHECK, again.is_none(), "a spent code worked again: {again:?}");
    let elsewhere = factors.use_recovery_code(other, &first[4]).await.step(CHECK, "use_recovery_code")?;
    ensure!(CHECK, elsewhere.is_none(), "another customer spent this customer's code");
    let second = codes(10);
    factors.replace_recovery_codes(id, &second).await.step(CHECK, "replace_recovery_codes")?;
    let old = factors.use_recovery_code(id, &first[5]).await.step(CHECK, "use_recovery_code")?;
    ensure!(CHECK, old.is_none(), "a code from before the replacement still worked");
    let new = factors.use_recovery_code(id, &second[0]).await.step(CHECK, "use_recovery_code")?;
    ensure!(CHECK, new == Some(9), "a new code answered {new:?}");
    factors.replace_recovery_codes(id, &[]).await.step(CHECK, "replace_recovery_codes with none")?;
    let left = factors.recovery_codes_left(id).await.step(CHECK, "recovery_codes_left")?;
    ensure!(CHECK, left == 0, "after replacing with none, {left} left");
    let missing = factors.replace_recovery_codes(CustomerId::new(), &second).await;
    ensure!(CHECK, matches!(missing, Err(Error::NotFound)), "an unknown customer got codes: {missing:?}");
    customers.delete_customer(id).await.step(CHECK, "delete_customer")?;
    customers.delete_customer(other).await.step(CHECK, "delete_customer")
}

async fn concurrent_uses_of_one_recovery_code_have_one_winner(
    customers: &Arc<dyn CustomerStore>,
    factors: &Arc<dyn SecondFactorStore>,
) -> Check {
    const CHECK: &str = "concurrent uses of one recovery code have exactly one winner";
    let id = new_customer(customers, CHECK).await?;
    let codes = codes(10);
    factors.replace_recovery_codes(id, &codes).await.step(CHECK, "replace_recovery_codes")?;
    let mut racers = JoinSet::new();
    for _ in 0..RACERS {
        let (factors, code) = (factors.clone(), codes[7]);
        racers.spawn(async move { factors.use_recovery_code(id, &code).await });
    }
    let mut winners = Vec::new();
    while let Some(joined) = racers.join_next().await {
        let used = joined
            .map_err(|err| Failure { check: CHECK, detail: format!("a racer panicked: {err}") })?
            .step(CHECK, "use_recovery_code")?;
        winners.extend(used);
    }
    ensure!(CHECK, winners == [9], "{RACERS} concurrent uses of one code answered {winners:?}, not one Some(9)");
    let left = factors.recovery_codes_left(id).await.step(CHECK, "recovery_codes_left")?;
    ensure!(CHECK, left == 9, "{left} codes left, not 9");
    customers.delete_customer(id).await.step(CHECK, "delete_customer")
}

async fn a_deleted_customers_factors_go_with_them(
    customers: &Arc<dyn CustomerStore>,
    factors: &Arc<dyn SecondFactorStore>,
) -> Check {
    const CHECK: &str = "a deleted customer's factors go with them";
    let id = new_customer(customers, CHECK).await?;
    factors.put_totp(id, &record(6)).await.step(CHECK, "put_totp")?;
    factors.replace_recovery_codes(id, &codes(10)).await.step(CHECK, "replace_recovery_codes")?;
    customers.delete_customer(id).await.step(CHECK, "delete_customer")?;
    let totp = factors.totp(id).await.step(CHECK, "totp")?;
    let left = factors.recovery_codes_left(id).await.step(CHECK, "recovery_codes_left")?;
    ensure!(CHECK, totp.is_none() && left == 0, "after deletion: authenticator {}, {left} codes", totp.is_some());
    Ok(())
}
