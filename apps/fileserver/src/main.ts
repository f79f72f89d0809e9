import { serviceMain } from '@warden/http';
import { fileserverService } from './fileserver-service';

void serviceMain(fileserverService);
