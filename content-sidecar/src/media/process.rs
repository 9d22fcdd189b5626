//! Running ffmpeg and ffprobe: one child process per call, killed if the call is dropped or
//! takes longer than its limit, its standard output read line by line and the last lines of
//! its standard error kept for the error message.

use super::MediaError;
use std::{collections::VecDeque, ffi::OsString, path::Path, process::Stdio, time::Duration};
use tokio::{
	io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader},
	process::Command,
};

/// Longest line of standard output taken; ffprobe's and ffmpeg's are far shorter.
const MAX_LINE: u64 = 64 << 10;
/// Lines of standard error kept, the last ones.
const STDERR_LINES: usize = 12;
/// Characters kept of each line of standard error.
const STDERR_LINE_CHARS: usize = 400;

/// Runs `program` with `args`, giving each line of its standard output to `on_line`, and
/// returns the last lines of its standard error once it exits successfully.
///
/// The child dies with the returned future: when `limit` passes, when `on_line` fails, or when
/// the caller drops the future (`kill_on_drop`).
pub(super) async fn run(
	program: &Path,
	args: &[OsString],
	limit: Option<Duration>,
	mut on_line: impl FnMut(&str) -> Result<(), MediaError>,
) -> Result<String, MediaError> {
	let tool = tool_name(program);
	let mut child = Command::new(program)
		.args(args)
		.stdin(Stdio::null())
		.stdout(Stdio::piped())
		.stderr(Stdio::piped())
		.kill_on_drop(true)
		.spawn()
		.map_err(|source| MediaError::Spawn { tool: program.to_owned(), source })?;
	let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
		unreachable!("both were asked to be piped");
	};
	let work = async {
		let stdout = async {
			let mut reader = BufReader::new(stdout);
			let mut line = Vec::new();
			loop {
				line.clear();
				if !read_line(&mut reader, &mut line).await? {
					return Ok(());
				}
				if line.last() != Some(&b'\n') && line.len() as u64 == MAX_LINE {
					return Err(MediaError::Output {
						tool: tool.clone(),
						reason: format!("a line of more than {MAX_LINE} bytes"),
					});
				}
				on_line(String::from_utf8_lossy(&line).trim_end())?;
			}
		};
		let (stdout, stderr) = tokio::join!(stdout, tail(stderr));
		stdout?;
		let status = child.wait().await?;
		if !status.success() {
			return Err(MediaError::Failed {
				tool: tool.clone(),
				status: status.to_string(),
				stderr,
			});
		}
		Ok(stderr)
	};
	match limit {
		Some(limit) => tokio::time::timeout(limit, work)
			.await
			.map_err(|_| MediaError::TimedOut { tool: tool.clone(), after: limit })?,
		None => work.await,
	}
}

/// Reads one line (with its newline, if any) of at most [`MAX_LINE`] bytes; false at the end.
async fn read_line(
	reader: &mut (impl AsyncBufRead + Unpin),
	line: &mut Vec<u8>,
) -> Result<bool, MediaError> {
	Ok((&mut *reader).take(MAX_LINE).read_until(b'\n', line).await? > 0)
}

/// The last [`STDERR_LINES`] lines of `stderr`, each cut to [`STDERR_LINE_CHARS`] characters.
async fn tail(stderr: impl AsyncRead + Unpin) -> String {
	let mut reader = BufReader::new(stderr);
	let mut lines = VecDeque::with_capacity(STDERR_LINES + 1);
	let mut line = Vec::new();
	// A read error ends the tail; the exit status still tells whether the tool failed.
	while let Ok(true) = read_line(&mut reader, &mut line).await {
		let text = String::from_utf8_lossy(&line);
		let text = text.trim_end();
		if !text.is_empty() {
			lines.push_back(text.chars().take(STDERR_LINE_CHARS).collect::<String>());
			if lines.len() > STDERR_LINES {
				lines.pop_front();
			}
		}
		line.clear();
	}
	Vec::from(lines).join("\n")
}

/// The tool's file name, for messages.
fn tool_name(program: &Path) -> String {
	program.file_name().unwrap_or(program.as_os_str()).to_string_lossy().into_owned()
}
