//! Generates the storage tier's gRPC code from `proto/storage.proto` with
//! tonic-prost-build, using the `protoc` that `protoc-bin-vendored` ships,
//! so no system protoc is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    tonic_prost_build::configure().compile_with_config(
        config,
        &["proto/storage.proto"],
        &["proto"],
    )?;
    Ok(())
}
