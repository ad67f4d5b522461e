import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';

/** R5: the partner API's bearer token check. Its 401 must still carry the CORS headers. */
@Injectable()
export class DemoAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    if (request.headers.authorization !== 'Bearer demo-token')
      throw new UnauthorizedException('a valid bearer token is required');
    return true;
  }
}
