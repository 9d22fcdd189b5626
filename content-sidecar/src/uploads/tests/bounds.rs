//! What bounds uploads against an attacker with many keys and against a full disk, and what
//! the chain must say before an upload's bytes go: the limit on all unregistered uploads, the
//! disk reserve, the deposit an uploader must be able to pay, and deleting finished uploads.

use super::*;
use crate::{
	config::Config,
	index::ItemState,
	ledger::DepositRoom,
	testing::{dev_account, dev_proof_key, id_of},
	AppState,
};
use std::sync::Arc;

/// Bytes this process may write on the file system of the temp dirs tests run in.
fn free_space_of_temp_dirs() -> u64 {
	let stats = rustix::fs::statvfs(std::env::temp_dir()).unwrap();
	stats.f_bavail * stats.f_frsize
}

#[tokio::test]
async fn a_thousand_fresh_keys_take_no_more_than_the_limit_on_all_unregistered_uploads() {
	let limit = 100 << 10;
	let sidecar = Sidecar::with(|config| config.unregistered_limit = limit);
	let mut created = 0u64;
	for key in 0..1000 {
		let response = create_upload(&sidecar, &format!("Sybil{key}"), 1 << 10, "").await;
		match response.status() {
			StatusCode::CREATED => created += 1,
			StatusCode::INSUFFICIENT_STORAGE => {
				assert!(error_of(response).await.contains("--unregistered-limit"));
			}
			status => panic!("key {key}: {status}"),
		}
	}
	assert_eq!(created << 10, limit);
	let held: u64 = sidecar.state.index.uploads().unwrap().iter().map(|(_, r)| r.length).sum();
	assert_eq!(held, limit);
	let refused = "pop_sidecar_uploads_refused_total{reason=\"unregistered_limit\"} 900\n";
	assert!(sidecar.state.metrics.encode().contains(refused));
}

#[tokio::test]
async fn an_upload_that_would_break_the_disk_reserve_is_refused_and_harms_nothing_stored() {
	// A reserve that leaves 1 GiB for uploads: 3 GiB break it, 10 bytes do not.
	let reserve = free_space_of_temp_dirs().saturating_sub(1 << 30);
	let sidecar = Sidecar::with(|config| config.disk_reserve = reserve);
	let location = start(&sidecar, ALICE, 10).await;
	assert_eq!(
		patch(&sidecar, ALICE, &location, 0, &[7; 10]).await.status(),
		StatusCode::NO_CONTENT
	);
	let stored = id_of(&[7; 10]);
	let uploads_before = sidecar.state.index.uploads().unwrap();

	let response = create_upload(&sidecar, ALICE, 3 << 30, "").await;
	assert_eq!(response.status(), StatusCode::INSUFFICIENT_STORAGE);
	assert!(error_of(response).await.contains("not enough disk space"));
	assert_eq!(sidecar.state.index.uploads().unwrap(), uploads_before);
	assert!(sidecar.state.store.contains(&stored));
	sidecar.state.store.verify(&stored).unwrap();
	assert_eq!(
		sidecar.state.index.item(&stored).unwrap().unwrap().state,
		ItemState::Uploaded { owner: dev_account(ALICE) }
	);
	let refused = "pop_sidecar_uploads_refused_total{reason=\"disk_reserve\"} 1\n";
	assert!(sidecar.state.metrics.encode().contains(refused));
}

#[tokio::test]
async fn a_patch_into_the_disk_reserve_writes_nothing() {
	let sidecar = Sidecar::new();
	let location = start(&sidecar, ALICE, 2 << 30).await;
	// The disk filled since the session was made (replicas arrived, say): the same data
	// opened again with a reserve of all the free space.
	let Sidecar { dir, state, ledger } = sidecar;
	drop(state);
	let mut config = Config::with_data_dir(dir.path().to_owned());
	config.disk_reserve = free_space_of_temp_dirs();
	let state = AppState::open(config, ledger.clone(), Arc::new(dev_proof_key())).unwrap();
	let full = Sidecar { dir, state, ledger };
	let response = patch(&full, ALICE, &location, 0, &[1; 100]).await;
	assert_eq!(response.status(), StatusCode::INSUFFICIENT_STORAGE);
	assert_eq!(offset_of(&full, &location).await, 0);
}

#[tokio::test]
async fn an_account_must_be_able_to_pay_the_deposit_of_what_it_uploads() {
	let sidecar = Sidecar::new();
	let terms = sidecar.ledger.terms;
	let dave = dev_account("Dave");
	// A fresh key: nothing free.
	sidecar.ledger.set_free(dave, 0);
	let response = create_upload(&sidecar, "Dave", 1 << 10, "").await;
	assert_eq!(response.status(), StatusCode::FORBIDDEN);
	assert!(error_of(response).await.contains("fund the account"));
	// Enough for one item of up to a MiB: one upload, not two.
	sidecar.ledger.set_free(dave, DepositRoom { free: 0, ..terms }.deposit_for([1 << 20]));
	assert_eq!(create_upload(&sidecar, "Dave", 1 << 20, "").await.status(), StatusCode::CREATED);
	assert_eq!(create_upload(&sidecar, "Dave", 1, "").await.status(), StatusCode::FORBIDDEN);
	assert_eq!(sidecar.state.index.uploads().unwrap().len(), 1);
}

#[tokio::test]
async fn no_upload_is_created_while_the_chain_cannot_be_asked() {
	let sidecar = Sidecar::new();
	sidecar.ledger.set_reachable(false);
	let response = create_upload(&sidecar, ALICE, 10, "").await;
	assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
	assert!(error_of(response).await.contains("chain cannot be asked"));
	assert_eq!(sidecar.state.index.uploads().unwrap(), []);
}

#[tokio::test]
async fn a_finished_upload_is_not_deleted_if_registered_or_if_the_chain_cannot_say() {
	let sidecar = Sidecar::new();
	let location = start(&sidecar, ALICE, 10).await;
	assert_eq!(
		patch(&sidecar, ALICE, &location, 0, &[9; 10]).await.status(),
		StatusCode::NO_CONTENT
	);
	let id = id_of(&[9; 10]);
	let delete = || {
		let request = tus("DELETE", &location)
			.header("authorization", sidecar.authorization(ALICE, Scope::Upload))
			.body(Body::empty())
			.unwrap();
		sidecar.send(request)
	};
	sidecar.ledger.set_reachable(false);
	assert_eq!(delete().await.status(), StatusCode::SERVICE_UNAVAILABLE);
	sidecar.ledger.set_reachable(true);
	// Registered while this sidecar had not seen it yet: its holders need the bytes.
	sidecar.ledger.register(id);
	let response = delete().await;
	assert_eq!(response.status(), StatusCode::CONFLICT);
	assert!(error_of(response).await.contains("registered on chain"));
	assert!(sidecar.state.store.contains(&id));
	assert_eq!(head(&sidecar, ALICE, &location).await.status(), StatusCode::OK);
}
