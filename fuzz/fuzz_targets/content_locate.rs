//! libFuzzer entry point of [`pop_fuzz::content_locate`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pop_fuzz::content_locate::check(data));
