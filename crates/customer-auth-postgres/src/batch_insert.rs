//! Customers inserted in batches (an import): one transaction, so one commit per batch instead
//! of one per customer. A taken username or email skips that customer only, and its answer is
//! the duplicate error `create_customer` would have given.

use customer_auth_core::{Customer, Error, Result};

use crate::PostgresStore;
use crate::customers::insert_customer;
use crate::store::WithTimeout as _;

impl PostgresStore {
    pub(crate) async fn insert_batch(&self, customers: &[Customer]) -> Result<Vec<Result<()>>> {
        let mut tx = self.db().begin().with_timeout(self).await?;
        let mut outcomes = Vec::with_capacity(customers.len());
        for customer in customers {
            let done =
                insert_customer(customer, "on conflict do nothing")?.execute(&mut *tx).with_timeout(self).await?;
            if done.rows_affected() == 1 {
                outcomes.push(Ok(()));
                continue;
            }
            let (username, email): (Option<bool>, Option<bool>) = sqlx::query_as(
                "SELECT bool_or(username_key = $1), bool_or(email_key = $2) FROM customers \
                 WHERE username_key = $1 OR email_key = $2",
            )
            .bind(customer.username_key())
            .bind(customer.email_key())
            .fetch_one(&mut *tx)
            .with_timeout(self)
            .await?;
            outcomes.push(Err(match (username, email) {
                (Some(true), _) => Error::DuplicateUsername,
                (_, Some(true)) => Error::DuplicateEmail,
                _ => Error::Corrupt(format!("customer id {} is taken", customer.id)),
            }));
        }
        tx.commit().with_timeout(self).await?;
        Ok(outcomes)
    }
}
