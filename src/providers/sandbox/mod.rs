//! The sandbox provider (placeholder; being written).
use async_trait::async_trait;

use super::*;
use crate::config::TenantProfile;
use crate::error::Error;

pub struct Sandbox;
impl Sandbox {
    pub fn open(_p: &TenantProfile, _env: &ProviderEnv) -> Result<Sandbox, Error> {
        todo!()
    }
}
#[async_trait]
impl Provider for Sandbox {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Sandbox
    }
    fn supports(&self, _action: Action) -> Result<(), ProviderError> {
        Ok(())
    }
    async fn resolve(&self, _user: &str) -> Result<UserRef, ProviderError> {
        todo!()
    }
    async fn state(&self, _user: &UserRef) -> Result<UserState, ProviderError> {
        todo!()
    }
    async fn apply(&self, _user: &UserRef, _action: Action, _ctx: ApplyContext<'_>) -> Result<Outcome, ProviderError> {
        todo!()
    }
    async fn top_admins(&self) -> Result<Vec<String>, ProviderError> {
        todo!()
    }
    async fn check(&self) -> Result<Vec<Check>, ProviderError> {
        todo!()
    }
}
