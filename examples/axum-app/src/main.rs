//! `PORTCULLIS_URL=http://127.0.0.1:3000 PORT=4600 cargo run -p portcullis-example-axum`

use std::time::Duration;

use portcullis_client::{Authenticator, Config};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let portcullis =
        std::env::var("PORTCULLIS_URL").unwrap_or_else(|_| "http://127.0.0.1:3000".to_owned());
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p.parse()?,
        Err(_) => 4600,
    };
    let auth =
        Authenticator::new(Config::new(portcullis).session_cache_ttl(Duration::from_secs(5)))?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, portcullis_example_axum::router(&auth)).await?;
    Ok(())
}
