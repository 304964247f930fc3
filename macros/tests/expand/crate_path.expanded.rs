async fn ping() -> Result<(), framework::Error> {
    let __timebox_call = ::framework::timebox::__private::run(
        ::framework::timebox::__private::Spec::new(
            {
                static SITE: ::framework::timebox::__private::Site = ::framework::timebox::__private::Site::new(
                    "ping",
                    ::core::module_path!(),
                    ::core::file!(),
                    ::core::line!(),
                );
                &SITE
            },
            ::framework::timebox::__private::Duration::from_millis(100),
        ),
        async move {
            #[allow(unreachable_code)]
            if false {
                let output: Result<(), framework::Error> = loop {};
                return output;
            }
            Ok(())
        },
    );
    ::framework::timebox::__private::finish(__timebox_call).await
}
