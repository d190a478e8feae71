import { initSync } from "./frontend.js";

let sharedImports = undefined;
function getSharedImports() {
    if (sharedImports === undefined) {
        sharedImports = { __wasm_split: {  } };
        const { __indirect_function_table, __wasm_split_shared0, memory,  } = initSync(undefined, undefined);
        Object.assign(sharedImports.__wasm_split, { __indirect_function_table, __wasm_split_shared0, memory,  });
    }
    return sharedImports;
}
function wrapAsyncCb(callee) {
    return async (callbackIndex, callbackData) => {
        let success;
        try {
            await callee();
            success = true;
        } catch (e) {
            console.error(e);
            success = false;
        } finally {
            const sharedImports = getSharedImports();
            sharedImports.__wasm_split.__indirect_function_table.get(callbackIndex)(callbackData, success);
        }
    }
}
function makeLoad(fetcher, deps) {
    const loader = async () => {
        const parallelStuff = deps.map(d => d());
        const instantiate = fetcher();
        await Promise.all(parallelStuff);
        const imports = getSharedImports();
        return instantiate(imports);
    };
    let loadingModule = undefined;
    return () => {
        if (loadingModule === undefined) {
            const thisLoad = loader();
            // Memoize successes only: a rejected load must not be cached for
            // the lifetime of the session, or one transient network failure
            // permanently breaks the module. Clearing on rejection lets the
            // next call (e.g. the Rust side re-invoking load after a failed
            // callback) start a fresh attempt.
            thisLoad.catch(() => {
                if (loadingModule === thisLoad) loadingModule = undefined;
            });
            loadingModule = thisLoad;
        }
        return loadingModule;
    }
}
/* account_pages_3962547936231889936, join_pages_13366475870691820483 */
const __chunk_8 = makeLoad(() => {
    const src = fetch(new URL("./chunk_8.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, join_pages_13366475870691820483, onboarding_pages_14752460429076972762, portal_pages_15728905507211875510, renewal_pages_6678760748494588979, survey_answer_page_11887559424933810022, ticket_pages_11617075247836608987 */
const __chunk_9 = makeLoad(() => {
    const src = fetch(new URL("./chunk_9.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, join_pages_13366475870691820483, onboarding_pages_14752460429076972762, portal_pages_15728905507211875510, renewal_pages_6678760748494588979, ticket_pages_11617075247836608987 */
const __chunk_10 = makeLoad(() => {
    const src = fetch(new URL("./chunk_10.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, join_pages_13366475870691820483, onboarding_pages_14752460429076972762, renewal_pages_6678760748494588979 */
const __chunk_11 = makeLoad(() => {
    const src = fetch(new URL("./chunk_11.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, join_pages_13366475870691820483, portal_pages_15728905507211875510, renewal_pages_6678760748494588979, survey_answer_page_11887559424933810022, ticket_pages_11617075247836608987 */
const __chunk_12 = makeLoad(() => {
    const src = fetch(new URL("./chunk_12.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, onboarding_pages_14752460429076972762 */
const __chunk_13 = makeLoad(() => {
    const src = fetch(new URL("./chunk_13.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, onboarding_pages_14752460429076972762, portal_pages_15728905507211875510 */
const __chunk_14 = makeLoad(() => {
    const src = fetch(new URL("./chunk_14.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, onboarding_pages_14752460429076972762, portal_pages_15728905507211875510, renewal_pages_6678760748494588979 */
const __chunk_15 = makeLoad(() => {
    const src = fetch(new URL("./chunk_15.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, onboarding_pages_14752460429076972762, portal_pages_15728905507211875510, renewal_pages_6678760748494588979, survey_answer_page_11887559424933810022 */
const __chunk_16 = makeLoad(() => {
    const src = fetch(new URL("./chunk_16.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, onboarding_pages_14752460429076972762, portal_pages_15728905507211875510, renewal_pages_6678760748494588979, survey_answer_page_11887559424933810022, ticket_pages_11617075247836608987 */
const __chunk_17 = makeLoad(() => {
    const src = fetch(new URL("./chunk_17.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, onboarding_pages_14752460429076972762, portal_pages_15728905507211875510, renewal_pages_6678760748494588979, ticket_pages_11617075247836608987 */
const __chunk_18 = makeLoad(() => {
    const src = fetch(new URL("./chunk_18.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, onboarding_pages_14752460429076972762, portal_pages_15728905507211875510, survey_answer_page_11887559424933810022 */
const __chunk_19 = makeLoad(() => {
    const src = fetch(new URL("./chunk_19.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, onboarding_pages_14752460429076972762, portal_pages_15728905507211875510, ticket_pages_11617075247836608987 */
const __chunk_20 = makeLoad(() => {
    const src = fetch(new URL("./chunk_20.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, onboarding_pages_14752460429076972762, renewal_pages_6678760748494588979 */
const __chunk_21 = makeLoad(() => {
    const src = fetch(new URL("./chunk_21.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, onboarding_pages_14752460429076972762, renewal_pages_6678760748494588979, survey_answer_page_11887559424933810022 */
const __chunk_22 = makeLoad(() => {
    const src = fetch(new URL("./chunk_22.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, onboarding_pages_14752460429076972762, renewal_pages_6678760748494588979, survey_answer_page_11887559424933810022, ticket_pages_11617075247836608987 */
const __chunk_23 = makeLoad(() => {
    const src = fetch(new URL("./chunk_23.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, onboarding_pages_14752460429076972762, renewal_pages_6678760748494588979, ticket_pages_11617075247836608987 */
const __chunk_24 = makeLoad(() => {
    const src = fetch(new URL("./chunk_24.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, onboarding_pages_14752460429076972762, ticket_pages_11617075247836608987 */
const __chunk_25 = makeLoad(() => {
    const src = fetch(new URL("./chunk_25.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, portal_pages_15728905507211875510 */
const __chunk_26 = makeLoad(() => {
    const src = fetch(new URL("./chunk_26.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, portal_pages_15728905507211875510, renewal_pages_6678760748494588979 */
const __chunk_27 = makeLoad(() => {
    const src = fetch(new URL("./chunk_27.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, portal_pages_15728905507211875510, renewal_pages_6678760748494588979, survey_answer_page_11887559424933810022, ticket_pages_11617075247836608987 */
const __chunk_28 = makeLoad(() => {
    const src = fetch(new URL("./chunk_28.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, portal_pages_15728905507211875510, renewal_pages_6678760748494588979, ticket_pages_11617075247836608987 */
const __chunk_29 = makeLoad(() => {
    const src = fetch(new URL("./chunk_29.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, portal_pages_15728905507211875510, survey_answer_page_11887559424933810022 */
const __chunk_30 = makeLoad(() => {
    const src = fetch(new URL("./chunk_30.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, portal_pages_15728905507211875510, ticket_pages_11617075247836608987 */
const __chunk_31 = makeLoad(() => {
    const src = fetch(new URL("./chunk_31.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, renewal_pages_6678760748494588979 */
const __chunk_32 = makeLoad(() => {
    const src = fetch(new URL("./chunk_32.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, renewal_pages_6678760748494588979, survey_answer_page_11887559424933810022 */
const __chunk_33 = makeLoad(() => {
    const src = fetch(new URL("./chunk_33.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, renewal_pages_6678760748494588979, ticket_pages_11617075247836608987 */
const __chunk_34 = makeLoad(() => {
    const src = fetch(new URL("./chunk_34.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, survey_answer_page_11887559424933810022, ticket_pages_11617075247836608987 */
const __chunk_35 = makeLoad(() => {
    const src = fetch(new URL("./chunk_35.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* account_pages_3962547936231889936, ticket_pages_11617075247836608987 */
const __chunk_36 = makeLoad(() => {
    const src = fetch(new URL("./chunk_36.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* join_pages_13366475870691820483, portal_pages_15728905507211875510 */
const __chunk_37 = makeLoad(() => {
    const src = fetch(new URL("./chunk_37.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* join_pages_13366475870691820483, renewal_pages_6678760748494588979 */
const __chunk_38 = makeLoad(() => {
    const src = fetch(new URL("./chunk_38.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* onboarding_pages_14752460429076972762, portal_pages_15728905507211875510 */
const __chunk_39 = makeLoad(() => {
    const src = fetch(new URL("./chunk_39.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* onboarding_pages_14752460429076972762, portal_pages_15728905507211875510, renewal_pages_6678760748494588979, ticket_pages_11617075247836608987 */
const __chunk_40 = makeLoad(() => {
    const src = fetch(new URL("./chunk_40.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* onboarding_pages_14752460429076972762, portal_pages_15728905507211875510, ticket_pages_11617075247836608987 */
const __chunk_41 = makeLoad(() => {
    const src = fetch(new URL("./chunk_41.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* onboarding_pages_14752460429076972762, renewal_pages_6678760748494588979 */
const __chunk_42 = makeLoad(() => {
    const src = fetch(new URL("./chunk_42.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* onboarding_pages_14752460429076972762, renewal_pages_6678760748494588979, survey_answer_page_11887559424933810022, ticket_pages_11617075247836608987 */
const __chunk_43 = makeLoad(() => {
    const src = fetch(new URL("./chunk_43.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* onboarding_pages_14752460429076972762, renewal_pages_6678760748494588979, ticket_pages_11617075247836608987 */
const __chunk_44 = makeLoad(() => {
    const src = fetch(new URL("./chunk_44.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* onboarding_pages_14752460429076972762, survey_answer_page_11887559424933810022 */
const __chunk_45 = makeLoad(() => {
    const src = fetch(new URL("./chunk_45.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* onboarding_pages_14752460429076972762, ticket_pages_11617075247836608987 */
const __chunk_46 = makeLoad(() => {
    const src = fetch(new URL("./chunk_46.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* portal_pages_15728905507211875510, renewal_pages_6678760748494588979 */
const __chunk_47 = makeLoad(() => {
    const src = fetch(new URL("./chunk_47.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* portal_pages_15728905507211875510, renewal_pages_6678760748494588979, ticket_pages_11617075247836608987 */
const __chunk_48 = makeLoad(() => {
    const src = fetch(new URL("./chunk_48.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* portal_pages_15728905507211875510, survey_answer_page_11887559424933810022 */
const __chunk_49 = makeLoad(() => {
    const src = fetch(new URL("./chunk_49.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* portal_pages_15728905507211875510, ticket_pages_11617075247836608987 */
const __chunk_50 = makeLoad(() => {
    const src = fetch(new URL("./chunk_50.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* renewal_pages_6678760748494588979, survey_answer_page_11887559424933810022 */
const __chunk_51 = makeLoad(() => {
    const src = fetch(new URL("./chunk_51.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* renewal_pages_6678760748494588979, ticket_pages_11617075247836608987 */
const __chunk_52 = makeLoad(() => {
    const src = fetch(new URL("./chunk_52.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
export const __wasm_split_load_ticket_pages_11617075247836608987 = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_ticket_pages_11617075247836608987.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_9, __chunk_10, __chunk_12, __chunk_17, __chunk_18, __chunk_20, __chunk_23, __chunk_24, __chunk_25, __chunk_28, __chunk_29, __chunk_31, __chunk_34, __chunk_35, __chunk_36, __chunk_40, __chunk_41, __chunk_43, __chunk_44, __chunk_46, __chunk_48, __chunk_50, __chunk_52]));
export const __wasm_split_load_survey_answer_page_11887559424933810022 = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_survey_answer_page_11887559424933810022.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_9, __chunk_12, __chunk_16, __chunk_17, __chunk_19, __chunk_22, __chunk_23, __chunk_28, __chunk_30, __chunk_33, __chunk_35, __chunk_43, __chunk_45, __chunk_49, __chunk_51]));
export const __wasm_split_load_renewal_pages_6678760748494588979 = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_renewal_pages_6678760748494588979.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_9, __chunk_10, __chunk_11, __chunk_12, __chunk_15, __chunk_16, __chunk_17, __chunk_18, __chunk_21, __chunk_22, __chunk_23, __chunk_24, __chunk_27, __chunk_28, __chunk_29, __chunk_32, __chunk_33, __chunk_34, __chunk_38, __chunk_40, __chunk_42, __chunk_43, __chunk_44, __chunk_47, __chunk_48, __chunk_51, __chunk_52]));
export const __wasm_split_load_portal_pages_15728905507211875510 = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_portal_pages_15728905507211875510.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_9, __chunk_10, __chunk_12, __chunk_14, __chunk_15, __chunk_16, __chunk_17, __chunk_18, __chunk_19, __chunk_20, __chunk_26, __chunk_27, __chunk_28, __chunk_29, __chunk_30, __chunk_31, __chunk_37, __chunk_39, __chunk_40, __chunk_41, __chunk_47, __chunk_48, __chunk_49, __chunk_50]));
export const __wasm_split_load_onboarding_pages_14752460429076972762 = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_onboarding_pages_14752460429076972762.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_9, __chunk_10, __chunk_11, __chunk_13, __chunk_14, __chunk_15, __chunk_16, __chunk_17, __chunk_18, __chunk_19, __chunk_20, __chunk_21, __chunk_22, __chunk_23, __chunk_24, __chunk_25, __chunk_39, __chunk_40, __chunk_41, __chunk_42, __chunk_43, __chunk_44, __chunk_45, __chunk_46]));
export const __wasm_split_load_join_pages_13366475870691820483 = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_join_pages_13366475870691820483.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_8, __chunk_9, __chunk_10, __chunk_11, __chunk_12, __chunk_37, __chunk_38]));
export const __wasm_split_load_account_pages_3962547936231889936 = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_account_pages_3962547936231889936.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_8, __chunk_9, __chunk_10, __chunk_11, __chunk_12, __chunk_13, __chunk_14, __chunk_15, __chunk_16, __chunk_17, __chunk_18, __chunk_19, __chunk_20, __chunk_21, __chunk_22, __chunk_23, __chunk_24, __chunk_25, __chunk_26, __chunk_27, __chunk_28, __chunk_29, __chunk_30, __chunk_31, __chunk_32, __chunk_33, __chunk_34, __chunk_35, __chunk_36]));
