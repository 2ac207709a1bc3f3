//! [`SecondFactorStore`] for [`MemoryStore`].

use std::collections::HashSet;

use async_trait::async_trait;

use super::MemoryStore;
use crate::{CustomerId, Error, RecoveryCodeHash, Result, SecondFactorStore, TotpRecord};

/// One customer's second factors.
#[derive(Default)]
pub(super) struct Factors {
    totp: Option<TotpRecord>,
    last_step: Option<u64>,
    recovery_codes: HashSet<RecoveryCodeHash>,
}

#[async_trait]
impl SecondFactorStore for MemoryStore {
    async fn totp(&self, customer: CustomerId) -> Result<Option<TotpRecord>> {
        Ok(self.state().factors.get(&customer).and_then(|factors| factors.totp.clone()))
    }

    async fn put_totp(&self, customer: CustomerId, record: &TotpRecord) -> Result<()> {
        let mut state = self.state();
        if !state.customers.contains_key(&customer) {
            return Err(Error::NotFound);
        }
        let factors = state.factors.entry(customer).or_default();
        factors.totp = Some(record.clone());
        factors.last_step = None;
        Ok(())
    }

    async fn delete_totp(&self, customer: CustomerId) -> Result<bool> {
        let mut state = self.state();
        let Some(factors) = state.factors.get_mut(&customer) else { return Ok(false) };
        factors.last_step = None;
        Ok(factors.totp.take().is_some())
    }

    async fn use_totp_step(&self, customer: CustomerId, step: u64) -> Result<bool> {
        let mut state = self.state();
        let Some(factors) = state.factors.get_mut(&customer) else { return Ok(false) };
        if factors.totp.is_none() || factors.last_step.is_some_and(|last| last >= step) {
            return Ok(false);
        }
        factors.last_step = Some(step);
        Ok(true)
    }

    async fn replace_recovery_codes(&self, customer: CustomerId, codes: &[RecoveryCodeHash]) -> Result<()> {
        let mut state = self.state();
        if !state.customers.contains_key(&customer) {
            return Err(Error::NotFound);
        }
        state.factors.entry(customer).or_default().recovery_codes = codes.iter().copied().collect();
        Ok(())
    }

    async fn use_recovery_code(&self, customer: CustomerId, code: &RecoveryCodeHash) -> Result<Option<u32>> {
        let mut state = self.state();
        let Some(factors) = state.factors.get_mut(&customer) else { return Ok(None) };
        let left = u32::try_from(factors.recovery_codes.len().saturating_sub(1)).unwrap_or(u32::MAX);
        Ok(factors.recovery_codes.remove(code).then_some(left))
    }

    async fn recovery_codes_left(&self, customer: CustomerId) -> Result<u32> {
        let state = self.state();
        let left = state.factors.get(&customer).map_or(0, |factors| factors.recovery_codes.len());
        Ok(u32::try_from(left).unwrap_or(u32::MAX))
    }
}
