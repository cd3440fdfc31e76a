'use strict';
// Test tooling, not shipped: starts s3rver 3.7.1 with one extra middleware that enforces `If-None-Match: *` on
// object PUTs and multipart completions, which s3rver ignores. Conditional writes to one key are serialised so
// that concurrent conditional creates let exactly one win, as on S3. The library only gets a 412 when it sends
// the header, so the contract tests still check that it does.
// It also fixes listings with a delimiter: s3rver 3.7.1 stops walking at folders below a common prefix, so a common
// prefix whose objects all sit two or more folders down (a/b/c under prefix "" gives "a/") is never reported.
// Usage: node --openssl-legacy-provider tools/s3rver-conditional.js <address> <port> <directory>
const S3rver = require('s3rver');

const [address, port, directory] = process.argv.slice(2);
const server = new S3rver({ address, port: Number(port), directory, silent: true });
const locks = new Map();

const preconditionFailed =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>' +
  '<Message>At least one of the pre-conditions you specified did not hold</Message>' +
  '<Condition>If-None-Match</Condition></Error>';

server.middleware.unshift(async (ctx, next) => {
  const isPut = ctx.method === 'PUT' && !('partNumber' in ctx.query) && !ctx.get('x-amz-copy-source');
  const isComplete = ctx.method === 'POST' && 'uploadId' in ctx.query;
  if (ctx.get('if-none-match') !== '*' || !(isPut || isComplete)) {
    return next();
  }
  const path = decodeURIComponent(ctx.path).replace(/^\//, '');
  const slash = path.indexOf('/');
  if (slash < 0) {
    return next();
  }
  const bucket = path.slice(0, slash);
  const key = path.slice(slash + 1);
  const id = `${bucket}/${key}`;
  const previous = locks.get(id) || Promise.resolve();
  let release;
  const current = new Promise(resolve => { release = resolve; });
  const chain = previous.then(() => current);
  locks.set(id, chain);
  await previous;
  try {
    if (await server.store.existsObject(bucket, key)) {
      ctx.status = 412;
      ctx.type = 'application/xml';
      ctx.body = preconditionFailed;
      return undefined;
    }
    return await next();
  } finally {
    release();
    if (locks.get(id) === chain) {
      locks.delete(id);
    }
  }
});

const listObjects = server.store.listObjects.bind(server.store);
server.store.listObjects = async (bucket, options) => {
  const { delimiter = '', prefix = '', maxKeys = Infinity } = options;
  if (!delimiter) {
    return listObjects(bucket, options);
  }
  // Every key under the prefix, folded by the delimiter; as s3rver does, maxKeys bounds the keys, not the prefixes.
  const all = await listObjects(bucket, { ...options, delimiter: '', maxKeys: Infinity });
  const commonPrefixes = new Set();
  const objects = [];
  let isTruncated = false;
  for (const object of all.objects) {
    const idx = object.key.slice(prefix.length).indexOf(delimiter);
    if (idx !== -1) {
      commonPrefixes.add(object.key.slice(0, prefix.length + idx + delimiter.length));
    } else if (objects.length < maxKeys) {
      objects.push(object);
    } else {
      isTruncated = true;
      break;
    }
  }
  return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated };
};

server.run().then(
  address => console.log(`s3rver listening on http://${address.address}:${address.port}`),
  error => { console.error(error); process.exit(1); },
);
