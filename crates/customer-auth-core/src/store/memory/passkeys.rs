//! [`PasskeyStore`] for [`MemoryStore`].

use async_trait::async_trait;

use super::MemoryStore;
use crate::{CustomerId, Error, PasskeyRecord, PasskeyStore, Result, Timestamp};

#[async_trait]
impl PasskeyStore for MemoryStore {
    async fn add_passkey(&self, record: &PasskeyRecord) -> Result<bool> {
        let mut state = self.state();
        if !state.customers.contains_key(&record.customer_id) {
            return Err(Error::NotFound);
        }
        if state.passkeys.iter().any(|passkey| passkey.credential_id == record.credential_id) {
            return Ok(false);
        }
        state.passkeys.push(record.clone());
        Ok(true)
    }

    async fn passkeys(&self, customer: CustomerId) -> Result<Vec<PasskeyRecord>> {
        Ok(self.state().passkeys.iter().filter(|passkey| passkey.customer_id == customer).cloned().collect())
    }

    async fn find_passkey(&self, credential_id: &[u8]) -> Result<Option<PasskeyRecord>> {
        Ok(self.state().passkeys.iter().find(|passkey| passkey.credential_id == credential_id).cloned())
    }

    async fn update_passkey(
        &self,
        credential_id: &[u8],
        previous: &[u8],
        credential: &[u8],
        used_at: Timestamp,
    ) -> Result<bool> {
        let mut state = self.state();
        let found = state.passkeys.iter_mut().find(|passkey| passkey.credential_id == credential_id);
        let Some(passkey) = found.filter(|passkey| passkey.credential == previous) else { return Ok(false) };
        passkey.credential = credential.to_vec();
        passkey.last_used_at = Some(used_at);
        Ok(true)
    }

    async fn remove_passkey(&self, customer: CustomerId, credential_id: &[u8]) -> Result<bool> {
        let mut state = self.state();
        let before = state.passkeys.len();
        state.passkeys.retain(|passkey| passkey.customer_id != customer || passkey.credential_id != credential_id);
        Ok(state.passkeys.len() != before)
    }
}
