//! libFuzzer entry point of [`pop_fuzz::auth_token`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pop_fuzz::auth_token::check(data));
