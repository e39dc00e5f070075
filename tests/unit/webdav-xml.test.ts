import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodePath, parseMultistatus } from '../../src-main/core/targets/webdav-xml.ts';

// Shaped after real answers: Apache mod_dav_fs (D: for the envelope, lp1: for live properties),
// Nextcloud/ownCloud (d:, absolute URLs in some set-ups, a 404 propstat for what a resource lacks).
const APACHE = `<?xml version="1.0" encoding="utf-8"?>
<D:multistatus xmlns:D="DAV:">
<D:response xmlns:lp2="http://apache.org/dav/props/" xmlns:lp1="DAV:">
<D:href>/dav/offsite/repo/packs/</D:href>
<D:propstat><D:prop><lp1:resourcetype><D:collection/></lp1:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
</D:response>
<D:response xmlns:lp2="http://apache.org/dav/props/" xmlns:lp1="DAV:">
<D:href>/dav/offsite/repo/packs/ab/</D:href>
<D:propstat><D:prop><lp1:resourcetype><D:collection/></lp1:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
<D:propstat><D:prop><D:getcontentlength/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>
</D:response>
<D:response xmlns:lp2="http://apache.org/dav/props/" xmlns:lp1="DAV:">
<D:href>/dav/offsite/repo/packs/sp%20ace%25.txt</D:href>
<D:propstat><D:prop><lp1:resourcetype/><lp1:getcontentlength>5</lp1:getcontentlength></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
</D:response>
</D:multistatus>`;

const NEXTCLOUD = `<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
 <d:response>
  <d:href>https://cloud.example.com/remote.php/dav/files/Jane%20Doe/Lifeboat%20%26%20Co/snapshots/</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype><d:quota-available-bytes>-3</d:quota-available-bytes></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
  <d:propstat><d:prop><d:getcontentlength/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
 </d:response>
 <d:response>
  <d:href>https://cloud.example.com/remote.php/dav/files/Jane%20Doe/Lifeboat%20%26%20Co/snapshots/0123456789ab</d:href>
  <d:propstat><d:prop><d:resourcetype/><d:getcontentlength>1234</d:getcontentlength></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
  <d:propstat><d:prop><d:quota-available-bytes/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
 </d:response>
 <d:response>
  <d:href>/remote.php/dav/files/Jane%20Doe/Lifeboat%20%26%20Co/snapshots/caf%C3%A9%20%28draft%29.txt</d:href>
  <d:propstat><d:prop><d:resourcetype/><d:getcontentlength>7</d:getcontentlength></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
 </d:response>
</d:multistatus>`;

describe('WebDAV multistatus parsing', () => {
  it('reads Apache answers: collections, sizes, URL-encoded names; a 404 propstat adds nothing', () => {
    const e = parseMultistatus(APACHE, 'http://127.0.0.1:8081/dav/offsite/repo/packs/');
    assert.deepEqual(e, [
      { path: '/dav/offsite/repo/packs', name: 'packs', isCollection: true },
      { path: '/dav/offsite/repo/packs/ab', name: 'ab', isCollection: true },
      { path: '/dav/offsite/repo/packs/sp ace%.txt', name: 'sp ace%.txt', isCollection: false, size: 5 },
    ]);
  });

  it('reads Nextcloud answers: d: prefix, absolute and path hrefs, encoded names, quota', () => {
    const e = parseMultistatus(NEXTCLOUD, 'https://cloud.example.com/remote.php/dav/files/Jane%20Doe/Lifeboat%20%26%20Co/snapshots/');
    const dir = '/remote.php/dav/files/Jane Doe/Lifeboat & Co/snapshots';
    assert.deepEqual(e, [
      { path: dir, name: 'snapshots', isCollection: true, quotaAvailable: -3 },
      { path: `${dir}/0123456789ab`, name: '0123456789ab', isCollection: false, size: 1234 },
      { path: `${dir}/café (draft).txt`, name: 'café (draft).txt', isCollection: false, size: 7 },
    ]);
    // The request URL decodes to the same path as the server's own href for it, however either was encoded.
    assert.equal(decodePath('https://cloud.example.com/remote.php/dav/files/Jane%20Doe/Lifeboat%20&%20Co/snapshots/', 'http://x/'), dir);
  });

  it('matches elements by local name whatever the prefix, or with a default namespace and none', () => {
    const xml = `<multistatus xmlns="DAV:"><response><href>/r/a&amp;b</href><propstat><prop><resourcetype/>
      <getcontentlength>42</getcontentlength><quota-available-bytes>1000</quota-available-bytes></prop><status>HTTP/1.1 200 OK</status></propstat></response>
      <x:response xmlns:x="DAV:"><x:href><![CDATA[/r/c]]></x:href><x:propstat><x:prop><lp9:getcontentlength xmlns:lp9="DAV:">3</lp9:getcontentlength></x:prop><x:status>HTTP/1.1 200 OK</x:status></x:propstat></x:response></multistatus>`;
    assert.deepEqual(parseMultistatus(xml, 'http://h/r/'), [
      { path: '/r/a&b', name: 'a&b', isCollection: false, size: 42, quotaAvailable: 1000 },
      { path: '/r/c', name: 'c', isCollection: false, size: 3 },
    ]);
  });

  it('skips a member reported with a bare error status, and undecodable hrefs', () => {
    const xml = `<D:multistatus xmlns:D="DAV:"><D:response><D:href>/r/gone</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>
      <D:response><D:href>/r/%E0%A4%A</D:href><D:propstat><D:prop><D:getcontentlength>1</D:getcontentlength></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`;
    assert.deepEqual(parseMultistatus(xml, 'http://h/r/'), []);
  });

  it('refuses what is not a multistatus (an HTML login page, broken XML)', () => {
    assert.throws(() => parseMultistatus('<!DOCTYPE html><html><body>Log in</body></html>', 'http://h/'), /not a WebDAV multistatus/);
    assert.throws(() => parseMultistatus('<D:multistatus xmlns:D="DAV:"><D:response>', 'http://h/'), /malformed/);
    assert.throws(() => parseMultistatus('<a><b></a>', 'http://h/'), /malformed/);
  });
});
