//! The import parser on arbitrary bytes: an error or submissions, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = oin_review::exchange::parse_submissions("fuzz.json", data) {
        // Every error renders (position and path included) without panicking.
        let _ = e.to_string();
    }
    let _ = oin_review::exchange::parse_test_results("fuzz.json", data);
});
