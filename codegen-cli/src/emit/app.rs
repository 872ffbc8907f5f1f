//! Per app: the entry point, `app::start(config)`.

use proc_macro2::TokenStream;
use quote::quote;

use super::doc;
use super::names::snake_ident;
use crate::model::App;

/// The module of an app.
pub(crate) fn app(app: &App, has_externs: bool, cluster: bool) -> TokenStream {
    let name = app.name.as_str();
    let module = snake_ident(name);
    let root = snake_ident(app.root.as_str());
    let module_doc = doc(&format!(
        "App `{name}`: starts the `{}` tree. `start(config)` is the entry point.",
        app.root
    ));
    let start_doc = doc(&format!(
        "Starts app `{name}`: the whole `{}` tree, children in order. Returns its handle once \
         every child runs, or the reason one failed to start.",
        app.root
    ));
    let (externs_alias, externs_param, externs_arg) = if has_externs {
        (
            quote! {
                /// The clients of the extern actors the app's actors use.
                pub type Externs = super::#root::Externs;
            },
            quote!(externs: Externs),
            quote!(externs),
        )
    } else {
        (quote!(), quote!(), quote!())
    };
    let start_on = cluster.then(|| {
        let d = doc(&format!(
            "Starts app `{name}` on cluster node `node`: remote actors are reached through it, \
             exported actors served on it (see `{}::start_on`).",
            app.root
        ));
        let param = has_externs.then(|| quote!(externs: Externs,));
        let arg = has_externs.then(|| quote!(externs,));
        quote! {
            #d
            pub async fn start_on(node: &::arbor_cluster::Node, config: Config, #param)
                -> ::std::result::Result<Handle, ::arbor_cluster::StartOnError>
            {
                super::#root::start_on(node, config, #arg).await
            }
        }
    });
    let allows = super::allows();
    quote! {
        #module_doc
        #allows
        pub mod #module {
            /// The configuration of the app: the arguments of every child that takes some.
            pub type Config = super::#root::Config;

            /// The handle of the running app.
            pub type Handle = super::#root::Handle;

            #externs_alias

            #start_doc
            pub async fn start(config: Config, #externs_param)
                -> ::std::result::Result<Handle, ::arbor::supervisor::StartError>
            {
                super::#root::start(config, #externs_arg).await
            }

            #start_on
        }
    }
}
