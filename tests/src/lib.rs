//! Helpers for madoguchi's end-to-end tests: a real browser (headless Chromium driven
//! through ChromeDriver) against the real server on a random local port.

pub mod browser;
