import { Module } from '@nestjs/common';
import { ScalerController } from './scaler.controller.js';
import { ScalerForwarder } from './scaler-forwarder.js';

@Module({
  controllers: [ScalerController],
  providers: [ScalerForwarder],
})
export class ScalerModule {}
