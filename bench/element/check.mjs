// Element's crypto stack against warmline: matrix-js-sdk 37.5 with its Rust crypto, cross-signed
// like Element, in OnlySignedDevicesIsolationMode ("exclude insecure devices"). Prints JSON.
// usage: node check.mjs HOMESERVER USER_ID PASSWORD BOT_ID
import * as sdk from "matrix-js-sdk";
import { OnlySignedDevicesIsolationMode } from "matrix-js-sdk/lib/crypto-api/index.js";

const [baseUrl, userId, password, botId] = process.argv.slice(2);
const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error() {}, getChild() { return quiet; } };
const withTimeout = (p, ms, what) =>
  Promise.race([p, new Promise((_, no) => setTimeout(() => no(new Error(`timeout: ${what}`)), ms))]);

const login = await sdk.createClient({ baseUrl }).loginRequest({
  type: "m.login.password", identifier: { type: "m.id.user", user: userId }, password,
});
const client = sdk.createClient({
  baseUrl, userId, accessToken: login.access_token, deviceId: login.device_id, logger: quiet,
});
await client.initRustCrypto({ useIndexedDB: false });
const crypto = client.getCrypto();
crypto.setDeviceIsolationMode(new OnlySignedDevicesIsolationMode());
await crypto.bootstrapCrossSigning({
  authUploadDeviceSigningKeys: async (makeRequest) => {
    await makeRequest({ type: "m.login.password", identifier: { type: "m.id.user", user: userId }, password });
  },
});

const synced = new Promise((ok) => client.once(sdk.ClientEvent.Sync, (state) => state === "PREPARED" && ok()));
await client.startClient({ initialSyncLimit: 10 });
await withTimeout(synced, 30000, "first sync");

const { room_id: roomId } = await client.createRoom({
  is_direct: true, invite: [botId],
  initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
});
await withTimeout(new Promise((ok) => {
  const check = () => client.getRoom(roomId)?.getMember(botId)?.membership === "join" && ok();
  client.on(sdk.RoomStateEvent.Members, check); check();
}), 30000, "bot joins");

const botDevices = (await crypto.getUserDeviceInfo([botId])).get(botId) ?? new Map();
const deviceStatus = [];
for (const id of botDevices.keys()) {
  const s = await crypto.getDeviceVerificationStatus(botId, id);
  deviceStatus.push({ device: id, signedByOwner: s?.signedByOwner ?? false, crossSigningVerified: s?.crossSigningVerified ?? false });
}

const results = [];
for (const text of ["!help", "!nope"]) {
  const started = Date.now();
  const reply = new Promise((ok) => {
    const onEvent = async (event, room) => {
      if (room?.roomId !== roomId || event.getSender() !== botId || event.getType() === "m.room.member") return;
      await client.decryptEventIfNeeded(event);
      client.off(sdk.RoomEvent.Timeline, onEvent);
      ok(event);
    };
    client.on(sdk.RoomEvent.Timeline, onEvent);
  });
  await client.sendTextMessage(roomId, text);
  const event = await withTimeout(reply, 30000, `reply to ${text}`);
  const info = await crypto.getEncryptionInfoForEvent(event);
  results.push({
    sent: text,
    decrypted: !event.isDecryptionFailure(),
    failureReason: event.decryptionFailureReason ?? null,
    shieldColour: info?.shieldColour ?? null,
    shieldReason: info?.shieldReason ?? null,
    bodyStart: (event.getContent().body ?? "").slice(0, 60),
    roundTripMs: Date.now() - started,
  });
}
console.log("WARMLINE-REPORT " + JSON.stringify({ sdk: "matrix-js-sdk 37.5.0 (Rust crypto)", isolation: "OnlySignedDevicesIsolationMode", botDevices: deviceStatus, results }));
client.stopClient();
process.exit(0);
