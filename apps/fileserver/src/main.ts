// The kit's entry alone, not the whole @warden/http index: the primary of a worker pool only
// supervises, and should not load Express and the rest of the request path.
import { serviceMain } from '@warden/http/service-main';
import { fileserverService } from './fileserver-service';

void serviceMain(fileserverService);
