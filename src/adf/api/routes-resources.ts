import type { FastifyInstance, FastifyRequest } from 'fastify';
import { armInvalidBody } from '../../common/catalogue.js';
import { FACTORY_RESOURCE_KINDS, type FactoryResourceKind } from '../../storage/factory-store.js';
import { mayAccess, requireAccess } from './auth.js';
import type { ApiContext } from './context.js';
import { factoryView, resourceView, type Scope } from './wire.js';

/** Factories and their child resources: PUT / GET / DELETE / list, as ARM does them. */

export const FACTORIES =
  '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.DataFactory/factories';

type P = { subscriptionId: string; resourceGroupName: string; factoryName: string; name: string; kind: string };

const scopeOf = (req: FastifyRequest): Scope => {
  const p = req.params as Partial<P>;
  return { subscriptionId: p.subscriptionId ?? '', resourceGroupName: p.resourceGroupName ?? '' };
};

function objectBody(body: unknown, what: string): Record<string, unknown> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw armInvalidBody(`The request body must be a JSON object (${what}).`);
  }
  return body as Record<string, unknown>;
}

function stringMap(v: unknown, field: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) {
    throw armInvalidBody(`${field} must be an object of string values.`, field);
  }
  return v as Record<string, string>;
}

function checkIdentity(v: unknown): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'object' || Array.isArray(v)) throw armInvalidBody('identity must be an object {type}.', 'identity');
  const identityType = (v as { type?: unknown }).type;
  if (identityType !== undefined && !/^SystemAssigned(,\s*UserAssigned)?$/i.test(String(identityType))) {
    throw armInvalidBody(
      `identity.type '${String(identityType)}' is not supported; use SystemAssigned.`,
      'identity.type',
    );
  }
}

const FACTORY_NAME = /^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/;

export function registerResourceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { service, identity } = ctx;

  const listFactories = async (req: FastifyRequest) => {
    const who = await ctx.caller(req);
    const s = scopeOf(req);
    const out = [];
    for (const f of await service.factories.listFactories()) {
      if (!(await mayAccess(identity, who.principal, f.name, 'read'))) continue;
      out.push(factoryView(s, f, await service.factoryIdentity(f.name)));
    }
    return { value: out };
  };
  app.get(FACTORIES, listFactories);
  app.get('/subscriptions/:subscriptionId/providers/Microsoft.DataFactory/factories', listFactories);

  app.get(`${FACTORIES}/:factoryName`, async (req) => {
    const { factoryName } = req.params as P;
    const who = await ctx.caller(req);
    await requireAccess(identity, who.principal, factoryName, 'read', 'read');
    const f = await service.requireFactory(factoryName);
    return factoryView(scopeOf(req), f, await service.factoryIdentity(f.name));
  });

  app.put(`${FACTORIES}/:factoryName`, async (req, reply) => {
    const { factoryName } = req.params as P;
    const who = await ctx.caller(req);
    await requireAccess(identity, who.principal, factoryName, 'write', 'write');
    if (factoryName.length < 3 || factoryName.length > 63 || !FACTORY_NAME.test(factoryName)) {
      throw armInvalidBody(
        `Factory name '${factoryName}' is invalid: 3 to 63 letters, numbers and single dashes between them.`,
        'factoryName',
      );
    }
    const body = objectBody(req.body, 'a factory: {location, tags?, identity?, properties?}');
    if (body.location !== undefined && typeof body.location !== 'string')
      throw armInvalidBody('location must be a string.', 'location');
    checkIdentity(body.identity);
    const props = body.properties === undefined ? {} : objectBody(body.properties, 'properties');
    const { provisioningState: _p, createTime: _c, version: _v, ...keep } = props;
    const { record } = await service.putFactory({
      name: factoryName,
      location: (body.location as string | undefined) ?? 'local',
      tags: stringMap(body.tags, 'tags'),
      properties: keep,
    });
    // ADF's Factories_CreateOrUpdate answers 200 whether it created or replaced (the SDK accepts only 200)
    reply.code(200);
    return factoryView(scopeOf(req), record, await service.factoryIdentity(record.name));
  });

  // Factories_Update (PATCH, FactoryUpdateParameters): tags replace the factory's tags when given; identity
  // may only be SystemAssigned (the factory's managed identity always exists); publicNetworkAccess is kept.
  app.patch(`${FACTORIES}/:factoryName`, async (req) => {
    const { factoryName } = req.params as P;
    const who = await ctx.caller(req);
    await requireAccess(identity, who.principal, factoryName, 'write', 'write');
    const f = await service.requireFactory(factoryName);
    const body = objectBody(
      req.body,
      'factory update parameters: {tags?, identity?, properties?: {publicNetworkAccess?}}',
    );
    const allowed = new Set(['tags', 'identity', 'properties']);
    const unknown = Object.keys(body).filter((k) => !allowed.has(k));
    if (unknown.length) {
      throw armInvalidBody(
        `'${unknown[0]}' cannot be updated with PATCH; use tags, identity or properties.publicNetworkAccess (PUT replaces the factory).`,
        unknown[0],
      );
    }
    checkIdentity(body.identity);
    const props = body.properties === undefined ? {} : objectBody(body.properties, 'properties');
    const otherProps = Object.keys(props).filter((k) => k !== 'publicNetworkAccess');
    if (otherProps.length) {
      throw armInvalidBody(
        `properties.${otherProps[0]} cannot be updated with PATCH; only properties.publicNetworkAccess can.`,
        `properties.${otherProps[0]}`,
      );
    }
    const access = props.publicNetworkAccess;
    if (access !== undefined && !['Enabled', 'Disabled'].includes(String(access))) {
      throw armInvalidBody(
        `properties.publicNetworkAccess must be Enabled or Disabled, got ${JSON.stringify(access)}.`,
        'properties.publicNetworkAccess',
      );
    }
    const { record } = await service.putFactory({
      name: f.name,
      location: f.location,
      tags: body.tags === undefined ? f.tags : stringMap(body.tags, 'tags'),
      properties: access === undefined ? f.properties : { ...f.properties, publicNetworkAccess: access },
    });
    return factoryView(scopeOf(req), record, await service.factoryIdentity(record.name));
  });

  app.delete(`${FACTORIES}/:factoryName`, async (req, reply) => {
    const { factoryName } = req.params as P;
    const who = await ctx.caller(req);
    await requireAccess(identity, who.principal, factoryName, 'write', 'delete');
    const gone = await service.deleteFactory(factoryName);
    return reply.code(gone ? 200 : 204).send();
  });

  for (const kind of FACTORY_RESOURCE_KINDS) registerKind(app, ctx, kind);
}

function registerKind(app: FastifyInstance, ctx: ApiContext, kind: FactoryResourceKind): void {
  const { service, identity } = ctx;
  const base = `${FACTORIES}/:factoryName/${kind}`;

  app.get(base, async (req) => {
    const { factoryName } = req.params as P;
    const who = await ctx.caller(req);
    await requireAccess(identity, who.principal, factoryName, 'read', `${kind}/read`);
    const f = await service.requireFactory(factoryName);
    return { value: (await service.factories.listResources(f.name, kind)).map((r) => resourceView(scopeOf(req), r)) };
  });

  app.get(`${base}/:name`, async (req) => {
    const { factoryName, name } = req.params as P;
    const who = await ctx.caller(req);
    await requireAccess(identity, who.principal, factoryName, 'read', `${kind}/read`);
    return resourceView(scopeOf(req), await service.getResource(factoryName, kind, name));
  });

  app.put(`${base}/:name`, { bodyLimit: 8 * 1024 * 1024 }, async (req) => {
    const { factoryName, name } = req.params as P;
    const who = await ctx.caller(req);
    await requireAccess(identity, who.principal, factoryName, 'write', `${kind}/write`);
    const body = objectBody(req.body, `a ${kind} resource: {properties: {…}}`);
    if (body.name !== undefined && (typeof body.name !== 'string' || body.name.toLowerCase() !== name.toLowerCase())) {
      throw armInvalidBody(
        `The name in the body ('${String(body.name)}') does not match the name in the URL ('${name}').`,
        'name',
      );
    }
    const properties = objectBody(body.properties, `${kind} properties`);
    const [stored] = await service.putResources(factoryName, [{ kind, name, properties }]);
    return resourceView(scopeOf(req), stored);
  });

  app.delete(`${base}/:name`, async (req, reply) => {
    const { factoryName, name } = req.params as P;
    const who = await ctx.caller(req);
    await requireAccess(identity, who.principal, factoryName, 'write', `${kind}/delete`);
    const gone = await service.deleteResource(factoryName, kind, name);
    return reply.code(gone ? 200 : 204).send();
  });
}
