//! The bcrypt differential property (ours against the `bcrypt` crate: every spelling of the
//! prefix, mangled and truncated hash strings) on random inputs, beside the fuzz target that
//! runs it without end.

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(256))]

    #[test]
    fn ours_and_the_bcrypt_crate_agree_on_random_inputs(
        selector in proptest::num::u8::ANY,
        salt in proptest::array::uniform16(proptest::num::u8::ANY),
        password in "[\\x00-\\x7f\\u{80}-\\u{10ffff}]{0,40}",
        mangle in proptest::option::of(proptest::collection::vec(proptest::num::u8::ANY, 0..12)),
    ) {
        let mut data = vec![selector];
        data.extend_from_slice(&salt);
        data.extend_from_slice(password.as_bytes());
        if let Some(mangle) = mangle {
            data.push(0xFF);
            data.extend_from_slice(&mangle);
        }
        customer_auth_fuzz_properties::bcrypt_differential::check(&data);
    }
}
