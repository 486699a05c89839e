// Who is logged in (GET /me), logging in as a browser session (the token goes to an HttpOnly
// cookie, never to the page or localStorage) and logging out.
import { reactive } from "vue";
import { call } from "./api.js";
import { accountsLogin, accountsLogout, accountsMe } from "./client/sdk.gen";

export const session = reactive({ account: null, checked: false });

/** The page each role starts on after logging in (others: the price index). */
export const HOME_OF_ROLE = { regulator: "/regulator/deals", buyer: "/market", seller: "/seller/rights" };

export async function loadMe() {
  try {
    session.account = await call(accountsMe);
  } catch (error) {
    if (error.status !== 401) throw error;
    session.account = null;
  } finally {
    session.checked = true;
  }
  return session.account;
}

export async function login(username, password) {
  await call(accountsLogin, { body: { username, password }, headers: { "X-Reclaim-Session": "cookie" } });
  return loadMe();
}

export async function logout() {
  await call(accountsLogout);
  session.account = null;
}
