// Browser names -> whycors reason ids (the MDN slugs for Firefox's 15
// reasons; `CORS` + the CorsError kind for Chromium-only kinds), as in
// cors-reference.md §2.4. Used to file fixtures under the reason they prove.

const FIREFOX = {
  CORSDisabled: 'CORSDisabled',
  CORSDidNotSucceed2: 'CORSDidNotSucceed',
  CORSOriginHeaderNotAdded: 'CORSOriginHeaderNotAdded',
  CORSExternalRedirectNotAllowed: 'CORSExternalRedirectNotAllowed',
  CORSRequestNotHttp: 'CORSRequestNotHttp',
  CORSMissingAllowOrigin2: 'CORSMissingAllowOrigin',
  CORSMultipleAllowOriginNotAllowed: 'CORSMultipleAllowOriginNotAllowed',
  CORSAllowOriginNotMatchingOrigin: 'CORSAllowOriginNotMatchingOrigin',
  CORSNotSupportingCredentials: 'CORSNotSupportingCredentials',
  CORSMethodNotFound: 'CORSMethodNotFound',
  CORSMissingAllowCredentials: 'CORSMissingAllowCredentials',
  CORSPreflightDidNotSucceed3: 'CORSPreflightDidNotSucceed',
  CORSInvalidAllowMethod: 'CORSInvalidAllowMethod',
  CORSInvalidAllowHeader: 'CORSInvalidAllowHeader',
  CORSMissingAllowHeaderFromPreflight2: 'CORSMissingAllowHeaderFromPreflight',
};

const CHROMIUM = {
  DisallowedByMode: 'CORSDisallowedByMode',
  InvalidResponse: 'CORSInvalidResponse',
  WildcardOriginNotAllowed: 'CORSNotSupportingCredentials',
  PreflightWildcardOriginNotAllowed: 'CORSNotSupportingCredentials',
  MissingAllowOriginHeader: 'CORSMissingAllowOrigin',
  PreflightMissingAllowOriginHeader: 'CORSMissingAllowOrigin',
  MultipleAllowOriginValues: 'CORSMultipleAllowOriginNotAllowed',
  PreflightMultipleAllowOriginValues: 'CORSMultipleAllowOriginNotAllowed',
  InvalidAllowOriginValue: 'CORSInvalidAllowOriginValue',
  PreflightInvalidAllowOriginValue: 'CORSInvalidAllowOriginValue',
  AllowOriginMismatch: 'CORSAllowOriginNotMatchingOrigin',
  PreflightAllowOriginMismatch: 'CORSAllowOriginNotMatchingOrigin',
  InvalidAllowCredentials: 'CORSMissingAllowCredentials',
  PreflightInvalidAllowCredentials: 'CORSMissingAllowCredentials',
  CorsDisabledScheme: 'CORSRequestNotHttp',
  PreflightInvalidStatus: 'CORSPreflightDidNotSucceed',
  PreflightDisallowedRedirect: 'CORSExternalRedirectNotAllowed',
  InvalidAllowMethodsPreflightResponse: 'CORSInvalidAllowMethod',
  InvalidAllowHeadersPreflightResponse: 'CORSInvalidAllowHeader',
  MethodDisallowedByPreflightResponse: 'CORSMethodNotFound',
  HeaderDisallowedByPreflightResponse: 'CORSMissingAllowHeaderFromPreflight',
  RedirectContainsCredentials: 'CORSRedirectContainsCredentials',
  InsecureLocalNetwork: 'CORSInsecureLocalNetwork',
  InvalidLocalNetworkAccess: 'CORSInvalidLocalNetworkAccess',
  LocalNetworkAccessPermissionDenied: 'CORSLocalNetworkAccessPermissionDenied',
  NoCorsRedirectModeNotFollow: 'CORSNoCorsRedirectModeNotFollow',
};

/** The whycors reason id for a browser's own name (null for null, the name itself if unknown). */
export function reasonOf(browser, name) {
  if (!name) return null;
  const t = browser === 'firefox' ? FIREFOX : CHROMIUM;
  return t[name] ?? name;
}
