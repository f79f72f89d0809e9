import { serviceMain } from '@warden/http';
import { apiserverService } from './apiserver-service';

void serviceMain(apiserverService);
