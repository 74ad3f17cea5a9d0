// The REST API under /api/v1 (issue 5), with its OpenAPI document at /docs. Request schemas are zod
// (fastify-type-provider-zod), errors are problem details (RFC 9457), and every route but login
// requires a bearer token and checks the caller's scope.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ApiDeps } from './api-context.js';
import { authenticate } from './authenticate.js';
import { registerProblemHandlers } from './problem.js';
import { loginRoutes, meRoutes } from './routes/auth.js';
import { consoleActorRoutes } from './routes/console-actors.js';
import { consoleMapRoutes } from './routes/console-map.js';
import { consolePersonRoutes } from './routes/console-person.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { deviceRoutes } from './routes/devices.js';
import { emOrderRoutes } from './routes/em-orders.js';
import { incidentRoutes } from './routes/incidents.js';
import { leavePermitRoutes } from './routes/leave-permits.js';
import { orgUnitRoutes } from './routes/org-units.js';
import { oversightDailyRoutes } from './routes/oversight-daily.js';
import { oversightRoutes } from './routes/oversight-reports.js';
import { oversightReviewRoutes } from './routes/oversight-review.js';
import { superviseeLinkRoutes } from './routes/supervisee-links.js';
import { superviseeRoutes } from './routes/supervisees.js';
import { trackRoutes } from './routes/tracks.js';
import { userRoutes } from './routes/users.js';
import { zoneRoutes } from './routes/zones.js';

export const API_PREFIX = '/api/v1';

export function apiPlugin(deps: ApiDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(fastifySwagger, {
      openapi: {
        info: {
          title: 'Electronic monitoring API',
          description:
            'Community corrections electronic monitoring: people, devices, orders, zones, leave, incidents, tracks.',
          version: '1',
        },
        components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      },
      transform: jsonSchemaTransform,
    });
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
    await app.register(
      async (api) => {
        api.setValidatorCompiler(validatorCompiler);
        api.setSerializerCompiler(serializerCompiler);
        api.decorateRequest('caller', null);
        registerProblemHandlers(api);
        await api.register(loginRoutes(deps));
        await api.register(async (authed) => {
          authed.addHook('onRequest', authenticate(deps));
          for (const routes of [
            meRoutes,
            orgUnitRoutes(deps),
            userRoutes(deps),
            superviseeRoutes(deps),
            superviseeLinkRoutes(deps),
            deviceRoutes(deps),
            emOrderRoutes(deps),
            zoneRoutes(deps),
            leavePermitRoutes(deps),
            incidentRoutes(deps),
            trackRoutes(deps),
            deadLetterRoutes(deps),
            consoleMapRoutes(deps),
            consolePersonRoutes(deps),
            consoleActorRoutes(deps),
            oversightRoutes(deps),
            oversightReviewRoutes(deps),
            oversightDailyRoutes(deps),
          ]) {
            await authed.register(routes);
          }
        });
      },
      { prefix: API_PREFIX },
    );
  };
}
