// Run by the mongo-init service of compose.yaml (mongosh --nodb), on every `up`:
//   1. initiates the replica set RS_NAME with the members of RS_MEMBERS, unless one of
//      them already belongs to it;
//   2. waits until the set has a primary;
//   3. creates the platform's user, named with its password in REC_MONGODB_URL, with
//      readWrite on REC_MONGODB_DATABASE; if it exists, sets its password and roles.
// Nothing here removes data or members: running it again changes nothing.

const setName = process.env.RS_NAME || "rs0";
const members = (process.env.RS_MEMBERS || "").split(",").filter(Boolean);
const rootUser = process.env.MONGO_ROOT_USERNAME;
const rootPassword = process.env.MONGO_ROOT_PASSWORD;
const database = process.env.REC_MONGODB_DATABASE || "rec";

function fail(message) {
  print(`mongo-init: ${message}`);
  quit(1);
}

if (members.length !== 3) fail(`RS_MEMBERS must name three members; got ${members}`);
if (!rootUser || !rootPassword) fail("MONGO_ROOT_USERNAME and MONGO_ROOT_PASSWORD are required");

// hello needs no authentication; null when the member cannot be reached.
function hello(host) {
  try {
    const conn = new Mongo(`mongodb://${host}/?directConnection=true&serverSelectionTimeoutMS=5000`);
    return conn.getDB("admin").runCommand({ hello: 1 });
  } catch (error) {
    return null;
  }
}

function sleepSeconds(seconds) {
  sleep(seconds * 1000);
}

// 1. The set, once.
const answers = members.map(hello);
if (answers.some((answer) => answer && answer.setName === setName)) {
  print(`mongo-init: replica set ${setName} exists`);
} else {
  if (answers.some((answer) => answer === null)) {
    fail(`every member must be up to initiate ${setName}: ${members}`);
  }
  const first = new Mongo(`mongodb://${members[0]}/?directConnection=true`).getDB("admin");
  first.auth(rootUser, rootPassword);
  const config = {
    _id: setName,
    members: members.map((host, index) => ({ _id: index, host, priority: index === 0 ? 2 : 1 })),
  };
  const result = first.runCommand({ replSetInitiate: config });
  if (!result.ok) fail(`replSetInitiate failed: ${JSON.stringify(result)}`);
  print(`mongo-init: replica set ${setName} initiated with ${members}`);
}

// 2. A primary.
let primary = null;
for (let waited = 0; waited < 120 && primary === null; waited += 2) {
  primary = members.find((host) => {
    const answer = hello(host);
    return answer !== null && answer.isWritablePrimary === true;
  }) || null;
  if (primary === null) sleepSeconds(2);
}
if (primary === null) fail(`no primary in ${setName} after two minutes`);
print(`mongo-init: primary is ${primary}`);

// 3. The platform's user.
const match = /^mongodb:\/\/([^:@\/]+):([^@\/]+)@/.exec(process.env.REC_MONGODB_URL || "");
if (!match) {
  fail("REC_MONGODB_URL must name the platform's user and password: mongodb://rec:PASSWORD@mongo1:27017,...");
}
const appUser = decodeURIComponent(match[1]);
const appPassword = decodeURIComponent(match[2]);
if (appUser === rootUser) fail("REC_MONGODB_URL must not use the root user");

const credentials = `${encodeURIComponent(rootUser)}:${encodeURIComponent(rootPassword)}`;
const admin = new Mongo(
  `mongodb://${credentials}@${members.join(",")}/?replicaSet=${setName}&authSource=admin`
).getDB("admin");
const roles = [{ role: "readWrite", db: database }];
if (admin.getUser(appUser) === null) {
  admin.createUser({ user: appUser, pwd: appPassword, roles });
  print(`mongo-init: user ${appUser} created (readWrite on ${database})`);
} else {
  admin.updateUser(appUser, { pwd: appPassword, roles });
  print(`mongo-init: user ${appUser} up to date (readWrite on ${database})`);
}
