import request from 'supertest';
import { AppModule } from '../../sample/app.module.js';
import { configureSampleApp } from '../../sample/app.factory.js';
import { ADAPTERS, startApp, type RunningApp } from '../support/test-app.js';

describe.each(ADAPTERS)('smoke on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(adapter, { imports: [AppModule] }, configureSampleApp);
  });
  afterAll(() => running.close());

  it('answers a preflight for DELETE from an allowed origin', async () => {
    const res = await request(running.url)
      .options('/api/partners/orders/1')
      .set('Origin', 'https://admin.example.com')
      .set('Access-Control-Request-Method', 'DELETE');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://admin.example.com');
  });
});
