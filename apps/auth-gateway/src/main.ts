import { serviceMain } from '@warden/http';
import { authGatewayService } from './auth-gateway-service';

void serviceMain(authGatewayService);
