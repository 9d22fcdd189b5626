//! The real `pop-sidecar` binary killed with SIGKILL in the middle of uploads: every upload
//! resumes, and every finished item is intact.

mod common;

use common::*;
use pop_sidecar::{
	auth::Scope,
	index::ItemState,
	state::open_data,
	testing::{authorization, content, dev_account, hex_id, id_of},
};
use std::{
	net::{SocketAddr, TcpListener},
	path::Path,
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

/// A running `pop-sidecar`, killed when dropped.
struct Daemon(Child);

impl Daemon {
	/// Starts the binary on `address` with its data in `dir` and waits until it answers.
	async fn start(dir: &Path, address: SocketAddr) -> Self {
		let log = std::fs::OpenOptions::new()
			.create(true)
			.append(true)
			.open(dir.with_extension("log"))
			.unwrap();
		let child = Command::new(env!("CARGO_BIN_EXE_pop-sidecar"))
			.args(["run", "--standalone"])
			.arg("--data-dir")
			.arg(dir)
			.args(["--listen", &address.to_string(), "--public-url", &format!("http://{address}")])
			.stdout(Stdio::null())
			.stderr(log)
			.spawn()
			.unwrap();
		let daemon = Self(child);
		let deadline = Instant::now() + Duration::from_secs(30);
		while tokio::net::TcpStream::connect(address).await.is_err() {
			assert!(Instant::now() < deadline, "pop-sidecar did not start");
			tokio::time::sleep(Duration::from_millis(50)).await;
		}
		daemon
	}

	/// SIGKILL: no chance to flush anything.
	fn kill_hard(mut self) {
		self.0.kill().unwrap();
		self.0.wait().unwrap();
	}

	/// SIGTERM, and the exit it makes.
	fn stop(mut self) -> std::process::ExitStatus {
		let pid = self.0.id().to_string();
		assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
		self.0.wait().unwrap()
	}
}

impl Drop for Daemon {
	fn drop(&mut self) {
		let _ = self.0.kill();
		let _ = self.0.wait();
	}
}

fn free_address() -> SocketAddr {
	TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_survive_sigkill_mid_patch() {
	let root = tempfile::tempdir().unwrap();
	let dir = root.path().join("data");
	let address = free_address();
	let alice = authorization("Alice", Scope::Upload, &format!("http://{address}"));
	let files = [
		content(1024 * 1024 + 5, 1),
		content(3 * 1024 * 1024, 2),
		content(6 * 1024 * 1024 + 1, 3),
		content(700, 4),
	];

	let daemon = Daemon::start(&dir, address).await;
	let mut paths = Vec::new();
	for file in &files {
		paths.push(create(address, &alice, file.len()).await);
	}
	// One finished, one part way, one mid-PATCH when the kill comes, one not begun.
	assert_eq!(patch(address, &alice, &paths[0], 0, &files[0]).await.status, 204);
	assert_eq!(
		patch(address, &alice, &paths[1], 0, &files[1][..1024 * 1024]).await.offset(),
		1024 * 1024
	);
	let sent = 2 * 1024 * 1024;
	let in_flight =
		OpenPatch::start(address, &alice, &paths[2], 0, files[2].len(), &files[2][..sent]).await;
	// Long enough for the sidecar to record the bytes that arrived (once a second).
	tokio::time::sleep(Duration::from_secs(2)).await;
	daemon.kill_hard();
	drop(in_flight);

	let daemon = Daemon::start(&dir, address).await;
	let reply = head(address, &alice, &paths[0]).await;
	assert_eq!(reply.offset(), files[0].len() as u64);
	assert_eq!(reply.header("pop-content-id"), Some(&*hex_id(&files[0])));
	assert_eq!(head(address, &alice, &paths[1]).await.offset(), 1024 * 1024);
	assert_eq!(head(address, &alice, &paths[2]).await.offset(), sent as u64);
	assert_eq!(head(address, &alice, &paths[3]).await.offset(), 0);

	for (path, file) in paths.iter().zip(&files).skip(1) {
		let offset = head(address, &alice, path).await.offset();
		let reply = patch(address, &alice, path, offset, &file[offset as usize..]).await;
		assert_eq!(reply.status, 204);
		assert_eq!(reply.header("pop-content-id"), Some(&*hex_id(file)));
	}
	assert!(daemon.stop().success(), "a clean exit on SIGTERM");

	// Every item is on disk, matches its id and is recorded as Alice's upload.
	let (store, index) = open_data(&dir).unwrap();
	let alice = dev_account("Alice");
	for file in &files {
		let id = id_of(file);
		store.verify(&id).unwrap();
		let item = index.item(&id).unwrap().unwrap();
		assert_eq!(item.state, ItemState::Uploaded { owner: alice });
		assert_eq!(item.mime, "video/mp4");
	}
	assert_eq!(store.usage().items, files.len() as u64);
	assert!(std::fs::read_dir(dir.join("uploads")).unwrap().next().is_none());
}
