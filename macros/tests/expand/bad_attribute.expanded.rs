async fn fetch(id: u64) -> Result<User, timebox::Error> {
    let __timebox_call = ::timebox::__private::run(
        ::timebox::__private::Spec::new(
            {
                static SITE: ::timebox::__private::Site = ::timebox::__private::Site::new(
                    "fetch",
                    ::core::module_path!(),
                    ::core::file!(),
                    ::core::line!(),
                );
                &SITE
            },
            ::timebox::__private::Duration::from_secs(1),
        ),
        async move {
            #[allow(unreachable_code)]
            if false {
                let output: Result<User, timebox::Error> = loop {};
                return output;
            }
            let _ = (&id,);
            load(id).await
        },
    );
    ::timebox::__private::finish(__timebox_call).await
}
::core::compile_error! {
    "`secs` takes a number, not a string: write `secs = 1`"
}
