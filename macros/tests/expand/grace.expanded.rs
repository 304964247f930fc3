async fn upload((path, data): (PathBuf, Bytes)) -> anyhow::Result<()> {
    #![allow(clippy::needless_return)]
    let __timebox_call = ::timebox::__private::run(
        ::timebox::__private::Spec::new(
                {
                    static SITE: ::timebox::__private::Site = ::timebox::__private::Site::new(
                        "upload",
                        ::core::module_path!(),
                        ::core::file!(),
                        ::core::line!(),
                    );
                    &SITE
                },
                ::timebox::__private::Duration::from_secs(5),
            )
            .grace_ms(200),
        async move {
            #[allow(unreachable_code)]
            if false {
                let output: anyhow::Result<()> = loop {};
                return output;
            }
            let _ = (&path, &data);
            write_atomically(&path, &data).await?;
            return Ok(());
        },
    );
    ::timebox::__private::finish(__timebox_call).await
}
