//! axum 0.8 + tower-http 0.6 `CorsLayer`: every configuration of the
//! real-server suite (tests/servers/) in one binary, chosen by flag:
//!
//!   whycors-servers-axum --variant NAME --port N --origin http://127.0.0.1:P
//!
//! `--variant fixed:CASE` runs the app of CASE with the snippet whycors
//! proposed for it (generated into fixes.rs at build time, see build.rs).

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use std::time::Duration;
use tower_http::cors::{Any, CorsLayer};

mod fixes {
    include!(concat!(env!("OUT_DIR"), "/fixes.rs"));
}

async fn items() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], "{\"items\":[]}")
}

async fn fail() -> impl IntoResponse {
    (StatusCode::INTERNAL_SERVER_ERROR, "boom")
}

/// The application's routes (what the CORS layer wraps).
fn routes() -> Router {
    Router::new()
        .route("/api/items", get(items).put(items).post(items))
        .route("/api/fail", get(fail))
}

/// A token check, as an app's authentication layer: no `Authorization`, 401.
async fn auth(req: Request, next: Next) -> Response {
    if req.headers().contains_key(header::AUTHORIZATION) {
        next.run(req).await
    } else {
        Response::builder()
            .status(StatusCode::UNAUTHORIZED)
            .body(Body::from("unauthorized"))
            .unwrap_or_default()
    }
}

/// The app of a case, without its CORS layer (what a fix wraps).
fn app_of(case: &str) -> Router {
    match case {
        "auth-outside-cors" => routes().layer(middleware::from_fn(auth)),
        _ => routes(),
    }
}

fn exact(origin: &str) -> HeaderValue {
    HeaderValue::from_str(origin).expect("origin")
}

fn variant(name: &str, origin: &str) -> Option<Router> {
    let documented = || {
        CorsLayer::new()
            .allow_origin(exact(origin))
            .allow_methods([Method::GET, Method::PUT, Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
            .allow_credentials(true)
    };
    Some(match name {
        // tower-http's documented happy path: exact values, layer outermost.
        "happy" => routes().layer(documented()),
        // `Any` with credentials: tower-http refuses the configuration (panics).
        "any-with-credentials" => routes().layer(CorsLayer::new().allow_origin(Any).allow_credentials(true)),
        // Layers added later wrap earlier ones: the auth layer runs first.
        "auth-outside-cors" => routes().layer(documented()).layer(middleware::from_fn(auth)),
        // `.layer()` wraps only the routes added before it: called first,
        // it wraps nothing, and the routes answer the preflight themselves.
        "layer-before-routes" => Router::new()
            .layer(documented())
            .route("/api/items", get(items).put(items).post(items))
            .route("/api/fail", get(fail)),
        // Authorization not among the allowed headers.
        "headers-missing-authorization" => routes().layer(
            CorsLayer::new()
                .allow_origin(exact(origin))
                .allow_methods([Method::GET, Method::PUT])
                .allow_headers([header::CONTENT_TYPE]),
        ),
        // A day of preflight caching: above Chromium's 2 h cap.
        "max-age-day" => routes().layer(documented().max_age(Duration::from_secs(86_400))),
        _ => {
            let case = name.strip_prefix("fixed:")?;
            return fixes::fixed(case, app_of(case));
        }
    })
}

fn arg(args: &[String], flag: &str) -> Option<String> {
    let i = args.iter().position(|a| a == flag)?;
    args.get(i + 1).cloned()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(name), Some(port), Some(origin)) = (arg(&args, "--variant"), arg(&args, "--port"), arg(&args, "--origin")) else {
        eprintln!("usage: whycors-servers-axum --variant NAME --port N --origin ORIGIN");
        std::process::exit(2);
    };
    let Some(app) = variant(&name, &origin) else {
        eprintln!("unknown variant {name}");
        std::process::exit(2);
    };
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}
