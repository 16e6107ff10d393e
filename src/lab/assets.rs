//! Bodies for `type=`: small resources so `<img crossorigin>`, `@font-face`,
//! module scripts and stylesheets can be tested against the lab.

use super::grammar::BodyType;

/// A valid 1x1 transparent-ish RGBA PNG (70 bytes).
pub const PNG_1X1: [u8; 70] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
    0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x60, 0x68, 0xf8, 0xff, 0x1f, 0x00, 0x04, 0x82, 0x02, 0x7f,
    0x38, 0x86, 0x48, 0x7c, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A WOFF2 header with no tables: not a usable font (the browser rejects it
/// when decoding, after the CORS check), but enough to reach that check.
pub const WOFF2_STUB: [u8; 48] = [
    b'w', b'O', b'F', b'2', // signature
    0x00, 0x01, 0x00, 0x00, // flavor: TrueType
    0x00, 0x00, 0x00, 0x30, // length 48
    0x00, 0x00, // numTables 0
    0x00, 0x00, // reserved
    0x00, 0x00, 0x00, 0x0c, // totalSfntSize
    0x00, 0x00, 0x00, 0x00, // totalCompressedSize
    0x00, 0x01, 0x00, 0x00, // major/minor version
    0x00, 0x00, 0x00, 0x00, // metaOffset
    0x00, 0x00, 0x00, 0x00, // metaLength
    0x00, 0x00, 0x00, 0x00, // metaOrigLength
    0x00, 0x00, 0x00, 0x00, // privOffset
    0x00, 0x00, 0x00, 0x00, // privLength
];

/// The body and its `Content-Type` for a body type; `text` replaces the
/// default content of the textual types when given.
pub fn body(t: BodyType, text: Option<&str>) -> (Vec<u8>, &'static str) {
    match t {
        BodyType::Text => (text.unwrap_or("ok").as_bytes().to_vec(), "text/plain; charset=utf-8"),
        BodyType::Json => (text.unwrap_or("{\"ok\":true}").as_bytes().to_vec(), "application/json"),
        BodyType::Html => (
            text.unwrap_or("<!doctype html><title>whycors lab</title><p>ok</p>").as_bytes().to_vec(),
            "text/html; charset=utf-8",
        ),
        BodyType::Png => (PNG_1X1.to_vec(), "image/png"),
        BodyType::Woff2 => (WOFF2_STUB.to_vec(), "font/woff2"),
        BodyType::Js => (text.unwrap_or("export default 1;\n").as_bytes().to_vec(), "text/javascript"),
        BodyType::Css => (
            text.unwrap_or(":root { --whycors-lab: 1; }\n").as_bytes().to_vec(),
            "text/css; charset=utf-8",
        ),
    }
}
