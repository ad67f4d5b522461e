import 'reflect-metadata';
import { Body, createParamDecorator, Get, Headers, Next, Param, Req, Res, type ExecutionContext } from '@nestjs/common';
import { respondsDirectly, takesNext } from '../../lib/nest-metadata.js';

/** A custom parameter decorator that hands the handler the response: not a way Nest knows of. */
const Reply = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  context.switchToHttp().getResponse<unknown>(),
);

class Handlers {
  @Get() plain(): void {}
  @Get() request(
    @Req() _req: unknown,
    @Body() _body: unknown,
    @Param('id') _id: string,
    @Headers() _headers: unknown,
  ): void {}
  @Get() response(@Res() _res: unknown): void {}
  @Get() passthrough(@Param('id') _id: string, @Res({ passthrough: true }) _res: unknown): void {}
  @Get() next(@Req() _req: unknown, @Next() _next: unknown): void {}
  @Get() custom(@Reply() _reply: unknown): void {}
}

class Inheriting extends Handlers {}

describe('respondsDirectly', () => {
  it.each([
    ['plain', false],
    ['request', false],
    ['response', true],
    ['passthrough', true],
    ['next', true],
    ['custom', false],
  ])('tells whether %s takes @Res() or @Next(): %s', (method, expected) => {
    expect(respondsDirectly(Handlers, method)).toBe(expected);
  });

  it('reads an inherited handler through the class that declares it', () => {
    expect(respondsDirectly(Inheriting, 'response')).toBe(true);
    expect(respondsDirectly(Inheriting, 'plain')).toBe(false);
  });
});

describe('takesNext', () => {
  it.each([
    ['plain', false],
    ['request', false],
    ['response', false],
    ['passthrough', false],
    ['next', true],
    ['custom', false],
  ])('tells whether %s takes @Next(): %s', (method, expected) => {
    expect(takesNext(Handlers, method)).toBe(expected);
  });

  it('reads an inherited handler through the class that declares it', () => {
    expect(takesNext(Inheriting, 'next')).toBe(true);
  });
});
