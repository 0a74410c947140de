// A token that expires while the console is open: the console signs out by itself and says why.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse, launchBrowser, newPage, signIn } from './harness.js';

describe('console token expiry', () => {
  let gh, chrome;
  before(async () => {
    gh = await startGatehouse(['--token-lifetime', '3']);
    chrome = await launchBrowser();
  });
  after(async () => {
    if (chrome) await chrome.close();
    if (gh) await gh.stop();
  });

  it('signs out with a clear message when the token expires', async () => {
    const page = await newPage(chrome.browser, gh);
    await signIn(page);
    // The console arms a timer at the token's expires_at; the sign-in page comes back by itself.
    await page.getByRole('heading', { name: 'Sign in with your IAM user' }).waitFor({ timeout: 30000 });
    assert.match(await page.getByRole('alert').textContent(), /Your session has expired\. Please sign in again\./);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('gatehouse.session')), null);
    assert.deepEqual(page.problems, []);
  });
});
